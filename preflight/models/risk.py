"""Stage 6's contracts: the defect likelihood, and the score with its explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["low", "medium", "high", "critical"]
Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True, slots=True)
class Driver:
    """One history feature behind the defect probability."""

    feature: str
    """Its name in preflight.history.features.FEATURES."""
    value: float
    """The change's raw value (lines, commits, days, ...)."""
    log_odds: float
    """Its contribution to the model's log-odds (coefficient times transformed value)."""


@dataclass(frozen=True, slots=True)
class Likelihood:
    """Stage 6 input: how likely the change is to be defective, from its git history features."""

    probability: float
    base_rate: float
    """The probability of the average change in the history the coefficients describe."""
    source: str
    """Where the coefficients come from: the defaults, or the fitted file at the base revision."""
    drivers: tuple[Driver, ...]
    """Features with a contribution, largest absolute contribution first."""
    if_split: float | None = None
    """The probability of each half if the change were split in two equal parts."""
    history_commits: int = 0
    """Commits before the change that the features were computed from."""
    notes: tuple[str, ...] = ()
    """Approximations made (a shallow clone, a history too short to say much)."""


@dataclass(frozen=True, slots=True)
class Factor:
    """One reason behind a score, with its contribution in points."""

    name: str
    points: float
    detail: str


@dataclass(frozen=True, slots=True)
class Risk:
    """Stage 6 output: the score, its level and its explanation."""

    score: int
    """0-100; the sum of the factors' points, rounded and capped."""
    level: Level
    factors: tuple[Factor, ...]
    unknowns: tuple[str, ...]
    confidence: Confidence
    """How much of the change had runtime data."""
    lower_it: tuple[str, ...] = field(default=())
    """What would lower the score."""

"""The score: the sum of the defect likelihood's points and the impact factors', capped at 100.

    score = LIKELIHOOD_POINTS * p  +  m(p) * impact,   m(p) = 0.5 + p / (p + base rate)

The factors are the terms of that sum: the defect likelihood carries 30p, and each impact
factor carries m(p) times its points, so no factor is ever negative and they always add up
to the score. When they would pass 100 every factor is scaled down by the same ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from preflight.models import Factor, FileChange, FunctionExposure, Impact, Likelihood
from preflight.risk import impact as impact_points
from preflight.risk.likelihood import ASSUMED_BASE_RATE, LIKELIHOOD_POINTS, detail, multiplier


@dataclass(frozen=True, slots=True)
class Scored:
    """A score and the factors it is the sum of (rounded to 0.1 point)."""

    score: int
    factors: tuple[Factor, ...]
    scale: float
    """1.0, or the ratio every factor was scaled by to keep the sum at 100."""


def score(
    behavioural: Sequence[FunctionExposure],
    impact: Impact | None,
    likelihood: Likelihood | None,
    share: float = 1.0,
    compatible: bool = False,
    probability: float | None = None,
    unparsed: Sequence[FileChange] = (),
) -> Scored:
    """The score of a change; the keyword arguments ask "what if" (see preflight.risk.explain)."""
    base = likelihood.base_rate if likelihood is not None else ASSUMED_BASE_RATE
    if probability is None:
        probability = likelihood.probability if likelihood is not None else ASSUMED_BASE_RATE
    parts = impact_points.factors(behavioural, impact, share, compatible, unparsed)
    m = multiplier(probability, base)
    factors = [
        Factor("defect likelihood", LIKELIHOOD_POINTS * probability, detail(likelihood, m)),
        *(Factor(f.name, f.points * m, f.detail) for f in parts),
    ]
    raw = sum(f.points for f in factors)
    scale = 100.0 / raw if raw > 100.0 else 1.0
    rounded = tuple(
        Factor(f.name, round(f.points * scale, 1), f.detail) for f in factors if round(f.points * scale, 1)
    )
    return Scored(max(0, min(100, round(sum(f.points for f in rounded)))), rounded, scale)

"""A change's Risk: its score, level, confidence, unknowns and what would lower it."""

from __future__ import annotations

from collections.abc import Sequence

from preflight.models import Exposure, FileChange, Impact, Level, Likelihood, Risk
from preflight.risk import explain
from preflight.risk.scoring import score

LEVELS: tuple[tuple[int, Level], ...] = ((75, "critical"), (50, "high"), (25, "medium"), (0, "low"))


def assess(
    exposure: Exposure,
    impact: Impact | None = None,
    likelihood: Likelihood | None = None,
    unparsed: Sequence[FileChange] = (),
) -> Risk:
    """Score the change and explain every point.

    unparsed: the changed production Python files that could not be parsed fully (their
    changes are unknown code: points, a low confidence, the first unknown)."""
    # functions in tests, docs, examples, ... are listed but never scored: a test-only change
    # scores as its history says, with no traffic, caller or unknown-traffic points
    behavioural = [f for f in exposure.functions if f.change.behavioural and f.production]
    scored = score(behavioural, impact, likelihood, unparsed=unparsed)
    confidence, unknowns = explain.confidence(exposure, behavioural, likelihood, unparsed)
    return Risk(
        score=scored.score,
        level=next(name for floor, name in LEVELS if scored.score >= floor),
        factors=scored.factors,
        unknowns=unknowns,
        confidence=confidence,
        lower_it=explain.lower_it(behavioural, impact, likelihood, scored.score, unparsed),
    )

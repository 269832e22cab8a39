"""Stage 6, risk: a 0-100 score whose factors add up to it, what is unknown, what would lower it.

    score = LIKELIHOOD_POINTS * p  +  m(p) * impact,   m(p) = 0.5 + p / (p + base rate)

p is the probability that the change is defective (history features, preflight.risk.likelihood)
and impact the points for what a fault in the changed code would reach (preflight.risk.impact):
traffic, front doors, SLOs and their remaining budget, callers a signature break leaves behind,
and unknown traffic. The factors are the terms of that sum: the defect likelihood carries
30p, and each impact factor carries m(p) times its points, so no factor is ever negative and
they always add up to the score. When they would pass 100 every factor is scaled down by the
same ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from preflight.models import (
    Decision,
    Exposure,
    Factor,
    FileChange,
    FunctionExposure,
    Impact,
    Likelihood,
    Risk,
)
from preflight.risk import explain
from preflight.risk import impact as impact_points
from preflight.risk.impact import traffic
from preflight.risk.likelihood import ASSUMED_BASE_RATE, LIKELIHOOD_POINTS, detail, multiplier

__all__ = ["LEVELS", "Scored", "assess", "decide", "score", "traffic"]

LEVELS = ((75, "critical"), (50, "high"), (25, "medium"), (0, "low"))


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


def assess(
    exposure: Exposure,
    impact: Impact | None = None,
    likelihood: Likelihood | None = None,
    paths: Sequence[str] = (),
    unparsed: Sequence[FileChange] = (),
) -> Risk:
    """Score the change (changed `paths` tell whether tests changed too) and explain every point.

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
        lower_it=explain.lower_it(
            behavioural, impact, likelihood, scored.score, exposure.source, paths, unparsed
        ),
    )


def decide(risk: Risk, fail_above: int | None) -> Decision:
    """The default gate policy, blocking at --fail-above when it is given (see preflight.gate)."""
    from preflight import gate
    from preflight.config import Gate

    return gate.decide(risk, Gate(), fail_above)

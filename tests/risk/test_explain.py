"""risk/explain.py: the confidence, the unknowns that cap it, and what would lower the score."""

from __future__ import annotations

import math

from preflight.models import (
    Aspect,
    ChangeKind,
    Exposure,
    RuntimeInfo,
)
from preflight.risk import assess
from tests.risk.helpers import HOT, NEW, item, likely, points


def test_without_history_the_average_change_is_assumed_and_said() -> None:
    risk = assess(Exposure((item(ChangeKind.MODIFIED, (Aspect.BODY,)),), None))
    # likelihood 30 * 0.1222 = 3.7 (the default model's average change); unknown 5; m = 1
    assert points(risk) == [("defect likelihood", 3.7), ("unknown traffic", 5.0)]
    assert risk.score == 9 and risk.confidence == "low"
    assert risk.factors[0].detail.startswith("no history to learn from")
    assert (
        "no git history features: the defect likelihood is assumed average (confidence at most medium)"
        in risk.unknowns
    )
    assert risk.unknowns[0] == (
        "no runtime data for 1 of 1 changed functions: traffic and blast radius unknown; add a snapshot "
        "(see `preflight collect --help` and docs/snapshots/index.md in preflight's repository) "
        "(confidence at most low)"
    )


def test_confidence_is_capped_by_each_unknown_and_says_so() -> None:
    runtime = RuntimeInfo("snap", age_hours=24 * 12, resolution_rate=0.6)
    risk = assess(Exposure((HOT,), "snap", runtime), likelihood=likely(0.2, commits=12))
    assert risk.confidence == "medium"
    assert risk.unknowns == (
        "the runtime snapshot is 12 days old (stale after 7) (confidence at most medium)",
        "only 60% of the snapshot's functions matched the code: traffic may be missing (confidence at most medium)",
        "only 12 commits of history before the change (confidence at most medium)",
    )
    fresh = assess(
        Exposure((HOT,), "snap", RuntimeInfo("snap", age_hours=2.0, resolution_rate=0.95)),
        likelihood=likely(0.2),
    )
    assert fresh.confidence == "high" and fresh.unknowns == ()
    half = assess(Exposure((HOT, NEW), "snap"), likelihood=likely(0.2))
    assert half.confidence == "medium"
    assert half.unknowns == (
        "no runtime data for 1 of 2 changed functions: their traffic is unknown (confidence at most medium)",
    )


def test_what_would_lower_it_is_computed_by_rescoring() -> None:
    risk = assess(Exposure((HOT, NEW), "calls.csv"), likelihood=likely(0.3, split=0.2))
    canary = 30 * 0.3 + (1 + 1 / 6) * (10 * math.log10(3001) + 15 + 5)  # 69.9
    split = 30 * 0.2 + (0.5 + 0.2 / 0.35) * 60  # 70.3
    assert risk.lower_it == (
        f"ship m.hot behind a feature flag or a 5% canary: score 79 -> {round(canary)} (a fault would "
        "reach 5% of the traffic)",
        "keep the old signature of m.hot working (keyword proxies no longer accepted) for the 40 callers the "
        f"change did not update, with a wrapper, defaults or **kwargs: score 79 -> {round(9 + 45 * 7 / 6)}",
        f"split the change in two: each half scores about {round(split)} (defect likelihood 30% -> 20%)",
    )  # no advice that does not lower the score (add tests, add runtime data)

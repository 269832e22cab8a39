"""Stage 6: the explained score (likelihood x impact), its unknowns and its counterfactuals.

Expected points are worked out by hand from the constants documented in preflight.risk."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from preflight import gate
from preflight.models import (
    Aspect,
    ChangeKind,
    Driver,
    Estimate,
    Exposure,
    FunctionChange,
    FunctionExposure,
    Gate,
    Impact,
    InferredTraffic,
    Likelihood,
    LineSpan,
    RuntimeInfo,
    RuntimeStats,
    ServiceImpact,
    SloImpact,
)
from preflight.risk import assess, score


def item(
    kind: ChangeKind,
    aspects: tuple[Aspect, ...] = (),
    calls: float | None = None,
    name: str = "m.f",
    callers: int | None = None,
) -> FunctionExposure:
    change = FunctionChange("m.py", "m.py", name, name, kind, aspects, LineSpan(1, 3), LineSpan(1, 3), 1, 1)
    return FunctionExposure(change, RuntimeStats(calls), callers=callers)


def likely(p: float, base: float = 0.15, split: float | None = None, commits: int = 500) -> Likelihood:
    drivers = (Driver("lines_added", 412.0, 1.8), Driver("author_experience", 90.0, -0.45))
    return Likelihood(p, base, "default", drivers, if_split=split, history_commits=commits)


HOT = item(ChangeKind.MODIFIED, (Aspect.SIGNATURE, Aspect.BODY), 60000.0, "m.hot", callers=40)
HOT = replace(HOT, change=replace(HOT.change, signature_break=("keyword proxies no longer accepted",)))
NEW = item(ChangeKind.ADDED, name="m.new")


def points(risk: object) -> list[tuple[str, float]]:
    return [(f.name, f.points) for f in risk.factors]  # type: ignore[attr-defined]


def test_factors_add_up_to_the_score() -> None:
    # traffic min(40, 10 log10(60001)) = 40; callers min(15, 3 log2(41) = 16.1) = 15; unknown 5:
    # impact 60; m = 0.5 + 0.3 / 0.45 = 7/6: likelihood 30 * 0.3 = 9, each impact factor x 7/6
    risk = assess(Exposure((HOT, NEW), "calls.csv"), likelihood=likely(0.3))
    assert points(risk) == [
        ("defect likelihood", 9.0),
        ("traffic", round(40 * 7 / 6, 1)),
        ("callers", round(15 * 7 / 6, 1)),
        ("unknown traffic", round(5 * 7 / 6, 1)),
    ]
    assert risk.score == 79 and risk.level == "critical"
    assert risk.factors[0].detail == (
        "30% chance the change is defective, above the 15% of an average change here: its impact counts more"
    )
    assert risk.factors[2].detail == (
        "m.hot changed its signature (keyword proxies no longer accepted); 40 callers the change did not update"
    )


def test_a_change_history_says_is_safe_scales_the_impact_down() -> None:
    # m = 0.5 + 0.015 / 0.165 = 0.5909; likelihood 30 * 0.015 = 0.45; traffic 40 * 0.5909 = 23.6
    hot = replace(HOT, change=replace(HOT.change, aspects=(Aspect.BODY,), signature_break=None))
    risk = assess(Exposure((hot,), "calls.csv"), likelihood=likely(0.015))
    assert points(risk) == [("defect likelihood", 0.4), ("traffic", 23.6)]
    assert all(f.points >= 0 for f in risk.factors)
    assert risk.score == 24 and risk.level == "low"
    assert risk.factors[0].detail.endswith("below the 15% of an average change here: its impact counts less")


def test_factors_above_100_are_scaled_to_add_up_to_100() -> None:
    impact = Impact(
        faults=("m.hot",),
        trials=100,
        services=(
            ServiceImpact(
                "web",
                None,
                None,
                None,
                None,
                Estimate(0, 0, 0),
                0.0,
                Estimate(0, 0, 0),
                Estimate(1, 1, 1),
                1.0,
                affected=True,
                front_door=True,
            ),
        ),
        slos=(
            SloImpact(
                "web-availability",
                "web",
                "error",
                0.999,
                0.9995,
                None,
                Estimate(9, 8, 10),
                0.05,
                None,
                1.0,
                ("shop", "web"),
            ),
        ),
        assumptions=(),
    )
    unknown = tuple(item(ChangeKind.MODIFIED, (Aspect.BODY,), None, f"m.u{i}") for i in range(3))
    risk = assess(Exposure((HOT, *unknown), "snap"), impact, likely(0.6))
    # impact 40 + 15 + 25 + 15 + 15 = 110; m = 1.3; likelihood 18 + 143 = 161 -> x 0.6211
    assert risk.score == 100
    assert abs(sum(p for _, p in points(risk)) - 100) <= 0.25
    assert points(risk)[1] == ("traffic", round(40 * 1.3 * 100 / 161, 1))
    assert risk.factors[3].detail == (
        "web-availability (web) exhausts its remaining budget (5% left, burn rate 9.0x) in 100% of "
        "simulations; path shop -> web"
    )


def test_no_behaviour_changed_scores_only_the_likelihood() -> None:
    risk = assess(
        Exposure((item(ChangeKind.COSMETIC), item(ChangeKind.RENAMED, name="m.g")), "calls.csv"),
        likelihood=likely(0.05),
    )
    assert points(risk) == [("defect likelihood", 1.5)] and risk.score == 2 and risk.level == "low"
    assert risk.confidence == "high" and risk.unknowns == ()


def test_without_history_the_average_change_is_assumed_and_said() -> None:
    risk = assess(Exposure((item(ChangeKind.MODIFIED, (Aspect.BODY,)),), None))
    # likelihood 30 * 0.131 = 3.9 (the default model's average change); unknown 5; m = 1
    assert points(risk) == [("defect likelihood", 3.9), ("unknown traffic", 5.0)]
    assert risk.score == 9 and risk.confidence == "low"
    assert risk.factors[0].detail.startswith("no history to learn from")
    assert (
        "no git history features: the defect likelihood is assumed average (confidence at most medium)"
        in risk.unknowns
    )
    assert risk.unknowns[0] == (
        "no runtime data for 1 of 1 changed functions: traffic and blast radius unknown; add a snapshot "
        "(see `preflight collect --help` and the README's Runtime data section) (confidence at most low)"
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


def test_inferred_traffic_counts_discounted_and_is_listed_as_unknown() -> None:
    inferred = replace(
        item(ChangeKind.MODIFIED, (Aspect.BODY,), None, "m.new_helper"),
        inferred=InferredTraffic(60000.0, "low", (("m.hot", 60000.0),), 1),
    )
    risk = assess(Exposure((inferred,), "snap"), likelihood=likely(0.15))
    # 0.5 * 10 * log10(60001) = 23.9, m = 1
    assert points(risk) == [("defect likelihood", 4.5), ("traffic", 23.9)]
    assert (
        risk.factors[1].detail == "m.new_helper runs 60,000 calls/min (inferred from callers, low confidence)"
    )
    assert risk.unknowns == (
        "no runtime data for 1 of 1 changed functions (1 estimated from their callers): their traffic is "
        "unknown (confidence at most low)",
    )
    assert risk.confidence == "low"


def test_what_would_lower_it_is_computed_by_rescoring() -> None:
    risk = assess(Exposure((HOT, NEW), "calls.csv"), likelihood=likely(0.3, split=0.2), paths=("m.py",))
    canary = 30 * 0.3 + (1 + 1 / 6) * (10 * math.log10(3001) + 15 + 5)  # 69.9
    split = 30 * 0.2 + (0.5 + 0.2 / 0.35) * 60  # 70.3
    assert risk.lower_it == (
        f"ship m.hot behind a feature flag or a 5% canary: score 79 -> {round(canary)} (a fault would "
        "reach 5% of the traffic)",
        "keep the old signature of m.hot working (keyword proxies no longer accepted) for the 40 callers the "
        f"change did not update, with a wrapper, defaults or **kwargs: score 79 -> {round(9 + 45 * 7 / 6)}",
        f"split the change in two: each half scores about {round(split)} (defect likelihood 30% -> 20%)",
    )  # no advice that does not lower the score (add tests, add runtime data)


@pytest.mark.parametrize(
    ("signature_break", "scored"),
    [
        (None, False),  # annotations only (t.Optional[t.Any] -> t.Any | None)
        ((), False),  # changed, and every old call still binds
        (("timeout is now required", "async changed", "*args no longer accepted"), True),
    ],
)
def test_only_a_breaking_signature_scores_its_callers(
    signature_break: tuple[str, ...] | None, scored: bool
) -> None:
    hot = replace(HOT, change=replace(HOT.change, signature_break=signature_break))
    risk = assess(Exposure((hot,), "calls.csv"), likelihood=likely(0.3))
    callers = [f for f in risk.factors if f.name == "callers"]
    advice = [a for a in risk.lower_it if a.startswith("keep")]
    assert bool(callers) is scored and bool(advice) is scored
    if scored:
        assert callers[0].detail == (
            "m.hot changed its signature (timeout is now required, async changed and 1 more); "
            "40 callers the change did not update"
        )
        assert advice[0].startswith(
            "keep the old signature of m.hot working (timeout is now required, async changed and 1 more) "
            "for the 40 callers the change did not update"
        )


def test_a_removed_function_scores_its_callers() -> None:
    gone = item(ChangeKind.REMOVED, (), 60000.0, "m.gone", callers=1)
    risk = assess(Exposure((gone,), "calls.csv"), likelihood=likely(0.3))
    assert [f.detail for f in risk.factors if f.name == "callers"] == [
        "m.gone was removed; 1 caller the change did not update"
    ]


def test_score_what_if_arguments() -> None:
    base = score([HOT], None, likely(0.3))
    assert score([HOT], None, likely(0.3), compatible=True).score < base.score
    assert score([HOT], None, likely(0.3), probability=0.6).score > base.score
    assert score([HOT], None, likely(0.3), share=0.05).factors[1].detail == (
        "m.hot runs 60,000 calls/min (measured, 5% of it exposed)"
    )


@pytest.mark.parametrize(("fail_above", "passed"), [(None, True), (25, True), (8, False)])
def test_gate(fail_above: int | None, passed: bool) -> None:
    risk = assess(
        Exposure((item(ChangeKind.MODIFIED, (Aspect.BODY,), 0.0),), "calls.csv"), likelihood=likely(0.3)
    )
    assert risk.score == 9  # 30 * 0.3; no traffic
    assert gate.decide(risk, Gate(), fail_above).passed is passed

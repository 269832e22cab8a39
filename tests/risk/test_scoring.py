"""risk/scoring.py: the factors are the terms of the score; above 100 they are scaled down.

Expected points are worked out by hand from the constants documented in preflight.risk."""

from __future__ import annotations

from dataclasses import replace

from preflight.models import (
    Aspect,
    ChangeKind,
    Estimate,
    Exposure,
    Impact,
    ServiceImpact,
    SloImpact,
)
from preflight.risk import assess, score
from tests.risk.helpers import HOT, NEW, item, likely, points


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
                0.0,
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


def test_score_what_if_arguments() -> None:
    base = score([HOT], None, likely(0.3))
    assert score([HOT], None, likely(0.3), compatible=True).score < base.score
    assert score([HOT], None, likely(0.3), probability=0.6).score > base.score
    assert score([HOT], None, likely(0.3), share=0.05).factors[1].detail == (
        "m.hot runs 60,000 calls/min (measured, 5% of it exposed)"
    )

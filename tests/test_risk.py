"""Stage 6: the explained score and the gate."""

from __future__ import annotations

from preflight.models import Aspect, ChangeKind, Exposure, FunctionChange, FunctionExposure, LineSpan
from preflight.risk import assess, decide


def item(
    kind: ChangeKind, aspects: tuple[Aspect, ...] = (), calls: float | None = None, name: str = "m.f"
) -> FunctionExposure:
    change = FunctionChange("m.py", "m.py", name, name, kind, aspects, LineSpan(1, 3), LineSpan(1, 3), 1, 1)
    return FunctionExposure(change, calls)


def test_factors_add_up_to_the_score() -> None:
    exposure = Exposure(
        (
            item(ChangeKind.MODIFIED, (Aspect.SIGNATURE, Aspect.BODY), 60000.0, "m.hot"),
            item(ChangeKind.ADDED, name="m.new"),
        ),
        "calls.csv",
    )
    risk = assess(exposure)
    assert [(f.name, f.points) for f in risk.factors] == [
        ("change size", 9.0),
        ("traffic", 52.6),
        ("unknown traffic", 5.0),
    ]
    assert risk.score == 67 and risk.level == "high"
    assert risk.unknowns == ("no runtime data for m.new",)
    assert risk.confidence == "medium"
    assert risk.lower_it[0].startswith("ship m.hot behind a feature flag")


def test_cosmetic_and_renamed_score_nothing() -> None:
    risk = assess(Exposure((item(ChangeKind.COSMETIC), item(ChangeKind.RENAMED, name="m.g")), "calls.csv"))
    assert risk.score == 0 and risk.factors == () and risk.level == "low"


def test_unknown_is_never_zero_risk() -> None:
    risk = assess(Exposure((item(ChangeKind.MODIFIED, (Aspect.BODY,)),), None))
    assert risk.score == 8 and risk.confidence == "low"
    assert [f.name for f in risk.factors] == ["change size", "unknown traffic"]


def test_size_is_capped_and_suggests_splitting() -> None:
    many = tuple(item(ChangeKind.REMOVED, name=f"m.f{i}", calls=0.0) for i in range(20))
    risk = assess(Exposure(many, "calls.csv"))
    assert [(f.name, f.points) for f in risk.factors] == [("change size", 30.0)]
    assert "split the change" in risk.lower_it[-1]


def test_gate() -> None:
    risk = assess(Exposure((item(ChangeKind.MODIFIED, (Aspect.BODY,), 100.0),), "calls.csv"))
    assert risk.score == 25
    assert decide(risk, None).passed
    assert decide(risk, 25).passed
    failed = decide(risk, 24)
    assert not failed.passed and failed.reason == "score 25 is above the threshold 24"


def test_inferred_traffic_counts_discounted_and_is_listed_as_unknown() -> None:
    from dataclasses import replace

    from preflight.models import InferredTraffic

    measured = item(ChangeKind.MODIFIED, (Aspect.BODY,), None, "m.new_helper")
    inferred = replace(measured, inferred=InferredTraffic(60000.0, "low", (("m.hot", 60000.0),), 1))
    risk = assess(Exposure((inferred,), "snap"))
    assert [(f.name, f.points) for f in risk.factors] == [("change size", 3.0), ("traffic", 26.3)]
    assert (
        risk.factors[1].detail == "m.new_helper runs 60,000 calls/min (inferred from callers, low confidence)"
    )
    assert risk.unknowns == (
        "no runtime data for m.new_helper; 60,000 calls/min inferred from 1 caller (low confidence)",
    )

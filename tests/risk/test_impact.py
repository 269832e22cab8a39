"""risk/impact.py: the impact points: traffic (measured or inferred), callers left behind and SLOs
at risk."""

from __future__ import annotations

from dataclasses import replace

import pytest

from preflight.models import (
    Aspect,
    ChangeKind,
    Estimate,
    Exposure,
    FileChange,
    Impact,
    InferredTraffic,
    SloImpact,
)
from preflight.risk import assess, impact
from tests.risk.helpers import HOT, NEW, item, likely, points


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


def test_breaks_and_unparsed_files_in_words() -> None:
    assert impact.at_risk(1) == "1 caller the change did not update"
    assert impact.at_risk(1200) == "1,200 callers the change did not update"
    assert impact.what_broke(HOT.change) == "changed its signature (keyword proxies no longer accepted)"
    assert impact.what_broke(item(ChangeKind.REMOVED, name="m.gone").change) == "was removed"
    assert impact.short("x" * 150) == "x" * 99 + "…"
    files = tuple(
        FileChange(f"p{i}.py", f"p{i}.py", "modified", "Python", "partial", 1, 0, unparsed="syntax")
        for i in range(3)
    )
    assert impact.unparsed_detail(files[:1]) == (
        "1 changed Python file could not be parsed fully (p0.py: syntax): its changes are unknown"
    )
    assert impact.unparsed_detail(files).startswith("3 changed Python files could not be parsed fully (p0.py")
    assert "; 1 more): their changes are unknown" in impact.unparsed_detail(files)


def test_hottest_and_signature_breaks() -> None:
    quiet = item(ChangeKind.MODIFIED, (Aspect.BODY,), 10.0, "m.quiet", callers=3)
    assert impact.hottest([quiet, HOT, NEW]) == (HOT, 40.0)
    assert impact.hottest([NEW]) is None
    assert impact.signature_breaks([quiet, HOT, NEW]) == [HOT]
    assert impact.traffic(NEW) is None
    assert impact.traffic(HOT) == (60000.0, 1.0, "measured")


def _slo(
    budget: float | None, sli_before: float, burn: float, breach: float | None, breach_before: float | None
) -> SloImpact:
    after = Estimate(1 - burn * 0.001, 1 - burn * 0.001, 1 - burn * 0.001)
    return SloImpact(
        "web-availability",
        "web",
        "availability",
        0.999,
        sli_before,
        after,
        Estimate(burn, burn, burn),
        budget,
        None,
        breach,
        breach_before,
        ("m", "web"),
    )


def _slo_factors(slo: SloImpact) -> list[tuple[float, str]]:
    quiet = item(ChangeKind.MODIFIED, (Aspect.BODY,), 10.0, "m.quiet")
    # likelihood at the base rate: m = 0.5 + 0.15 / (0.15 + 0.15) = 1, the impact points unscaled
    risk = assess(Exposure((quiet,), "snap"), Impact(("m:error=0.1",), 100, (), (slo,), ()), likely(0.15))
    return [(f.points, f.detail) for f in risk.factors if f.name == "SLO at risk"]


def test_an_slo_that_exhausts_its_budget_without_the_change_scores_nothing() -> None:
    # 2% left, burning 0.9x before: 0.9 * 672 h >= 0.02 * 672 h, so breach_before is 1; the change
    # (10.9x) breaches it in every simulation too: 25 * max(0, 1.0 - 1.0) = 0 points, no factor
    spent = _slo(0.02, 0.9991, 10.9, 1.0, 1.0)
    assert spent.breach_added == 0.0
    assert _slo_factors(spent) == []


def test_an_slo_the_change_pushes_over_its_budget_scores_as_before() -> None:
    # 50% left, burning 0.4x before: 0.4 < 0.5, breach_before 0; the change breaches it in 80% of
    # simulations: 25 * max(0, 0.8 - 0.0) = 20 points
    pushed = _slo(0.5, 0.9996, 2.0, 0.8, 0.0)
    assert _slo_factors(pushed) == [
        (
            20.0,
            "web-availability (web) exhausts its remaining budget (50% left, burn rate 2.0x) in 80% of "
            "simulations; path m -> web",
        )
    ]


def test_an_slo_with_an_unknown_budget_scores_nothing() -> None:
    unknown = _slo(None, 0.9996, 2.0, None, None)
    assert unknown.breach_added is None
    assert _slo_factors(unknown) == []

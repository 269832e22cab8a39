"""The digest's summaries: what counts as an SLO at risk, the top factor, totals of nothing."""

from __future__ import annotations

from preflight.digest import summary
from preflight.models import Estimate, Factor, SloImpact


def slo(before: float | None, after: float, burn: float, breach: float | None) -> SloImpact:
    return SloImpact(
        name="checkout-availability",
        service="checkout",
        indicator="availability",
        objective=0.99,
        sli_before=before,
        sli_after=Estimate(after, after, after),
        burn_rate=Estimate(burn, burn, burn),
        budget_remaining=0.1,
        hours_to_exhaust=None,
        breach_probability=breach,
        breach_before=None if breach is None else 0.0,
        critical_path=("checkout",),
    )


def test_an_slo_is_at_risk_when_the_change_makes_it_burn() -> None:
    assert summary.at_risk(slo(0.99, 0.9, 10.0, 1.0))
    assert summary.at_risk(slo(None, 0.9, 10.0, None))  # no baseline: the burn speaks
    assert not summary.at_risk(slo(0.99, 0.99, 1.0, 1.0))  # already burning, the change leaves it
    assert not summary.at_risk(slo(0.999, 0.998, 0.5, 0.0))  # worse, but within budget


def test_top_factor_is_the_largest_positive_one() -> None:
    factors = (Factor("history", -5.0, "safer"), Factor("traffic", 12.0, "hot"), Factor("size", 3.0, "x"))
    assert summary.top_factor(factors) == factors[1]
    assert summary.top_factor(factors[:1]) is None


def test_an_empty_range_has_zero_totals() -> None:
    digest = summary.build("a..a", "a", "a", ())
    assert digest.totals.changes == 0 and digest.totals.functions == 0
    assert dict(digest.totals.by_level) == {"low": 0, "medium": 0, "high": 0, "critical": 0}
    assert (digest.hot, digest.slos, digest.services) == ((), (), ())


def test_a_function_known_from_callers_counts_in_the_service_the_simulation_placed_it() -> None:
    from dataclasses import replace

    from preflight.digest import Merged, ScoredChange, plots
    from preflight.models import ChangeKind, InferredTraffic
    from tests.report.test_report import fn, result

    base = result((fn("shop.money.from_float", ChangeKind.MODIFIED, path="shop/money.py"),), {}, None)
    (item,) = base.exposure.functions
    assert item.service is None and item.calls_per_min is None
    placed = replace(
        item, inferred=InferredTraffic(240.0, "low", (("shop.shipping.quote", 240.0),), 1, "shipping")
    )
    scored = ScoredChange(
        Merged("a" * 40, "b" * 40, "commit", None, "t"),
        replace(base, exposure=replace(base.exposure, functions=(placed,))),
    )
    digest = summary.build("a..b", "a", "b", (scored,))
    assert [(s.service, s.calls_per_min) for s in digest.services] == [("shipping", 240.0)]
    chart = plots.traffic_bars(digest.services)
    assert chart is not None and [bar.label for bar in chart.bars] == ["shipping"]
    unplaced = replace(scored, result=replace(base, exposure=replace(base.exposure, functions=(item,))))
    alone = summary.build("a..b", "a", "b", (unplaced,))
    assert [(s.service, s.calls_per_min) for s in alone.services] == [("", None)]  # unknown, not 0
    assert alone.totals.calls_per_min is None and plots.traffic_bars(alone.services) is None

"""propagation/simulation.py: simulate's estimates, affected services, SLO predictions
and critical paths."""

from __future__ import annotations

import math

import numpy as np
import pytest

from preflight.errors import InputError
from preflight.models import Call, Service
from preflight.propagation.graph import Z90
from tests.propagation.graphs import (
    A,
    B,
    C,
    of,
    phi,
    run,
    slo,
)

# --- Monte Carlo ---------------------------------------------------------------------------


def test_fixed_magnitude_gives_a_point_estimate() -> None:
    impact = run([A, B], [Call("a", "b", per_request=1)], "b:error=0.2", trials=1000)
    estimate = of(impact, "a").error_rate_after
    assert estimate.low == estimate.median == estimate.high == pytest.approx(0.2)


@pytest.mark.parametrize("order", ["ascending", "descending", "shuffled"])
def test_quantiles_read_off_sorted_results_equal_numpys(order: str) -> None:
    from preflight.propagation.simulation import _estimate

    values = np.random.default_rng(3).lognormal(size=1001)
    values = {"ascending": np.sort(values), "descending": np.sort(values)[::-1], "shuffled": values}[order]
    low, median, high = np.quantile(values, (0.05, 0.5, 0.95))
    estimate = _estimate(values)
    assert (estimate.low, estimate.median, estimate.high) == pytest.approx((low, median, high), rel=1e-12)


# --- affected thresholds -------------------------------------------------------------------


def test_estimates_of_many_rows_at_once_equal_each_rows_estimate() -> None:
    from preflight.propagation.simulation import _estimate, _estimates

    rng = np.random.default_rng(4)
    shuffled = rng.lognormal(size=(3, 101))
    rows = np.vstack(
        [
            shuffled,
            np.full(101, 2.5),  # unmoved
            np.sort(shuffled[0]),  # read off directly
            np.sort(shuffled[1])[::-1],
            np.where(np.arange(101) % 2, np.inf, shuffled[2]),  # budgets never exhausted
        ]
    )
    assert _estimates(rows) == [_estimate(row) for row in rows]
    assert _estimates(rows[:0]) == []


def test_affected_thresholds() -> None:
    services = [Service("p", p90_ms=100), Service("q", p90_ms=100), Service("u"), Service("v")]
    impact = run(services, [], "p:latency=50ms", "q:latency=49ms", "u:latency=100ms", "v:latency=99ms")
    assert of(impact, "p").affected  # (100 + 50) / 100 = 1.5 >= AFFECTED_RATIO
    assert not of(impact, "q").affected  # 1.49
    assert of(impact, "u").affected  # unknown p90: +100 >= AFFECTED_MS
    assert not of(impact, "v").affected
    errors = run([Service("e"), Service("f")], [], "e:error=0.02", "f:error=0.005")
    assert of(errors, "e").affected  # +0.02 >= AFFECTED_ERROR
    assert not of(errors, "f").affected


# --- SLOs ----------------------------------------------------------------------------------


def test_availability_slo_prediction() -> None:
    services = [Service("a", error_rate=0.001), B]
    impact = run(services, [Call("a", "b", per_request=1)], "b:error=0.01", slos=[slo("a")])
    (predicted,) = impact.slos
    assert predicted.sli_before == pytest.approx(0.999)
    assert predicted.sli_after is not None and predicted.burn_rate is not None
    assert predicted.sli_after.median == pytest.approx(0.98901)  # 0.999 * 0.99
    assert predicted.burn_rate.median == pytest.approx(10.99)  # 0.01099 / 0.001
    assert predicted.hours_to_exhaust is not None
    # 28d = 672 h; budget 0.5 -> 336 h of budget at burn 1; 336 / 10.99 = 30.573 h
    assert predicted.hours_to_exhaust.median == pytest.approx(336 / 10.99)
    assert predicted.breach_probability == 1.0  # 10.99 >= 0.5
    # before: burn 0.001 / 0.001 = 1.0 >= 0.5: the budget runs out without the change too
    assert predicted.breach_before == 1.0
    assert predicted.breach_added == 0.0
    assert predicted.notes == (
        "exhausts its budget without this change (burn rate 1.00x before it, 50% of the budget left)",
    )


def test_critical_path_of_a_burning_slo_below_the_affected_threshold() -> None:
    services = [Service("a", error_rate=0.001), B]
    impact = run(services, [Call("a", "b", per_request=1)], "b:error=0.01", slos=[slo("a")])
    (predicted,) = impact.slos
    assert predicted.burn_rate is not None
    assert predicted.burn_rate.median == pytest.approx(10.99)  # (1 - 0.999 * 0.99) / 0.001
    assert predicted.critical_path == ("b", "a")


def test_unburnt_slo_never_exhausts() -> None:
    impact = run([A, B, C], [Call("a", "b")], "b:error=0.1", slos=[slo("c")])
    (predicted,) = impact.slos
    assert predicted.burn_rate is not None and predicted.burn_rate.median == 0.0  # c untouched
    assert predicted.breach_probability == 0.0
    assert predicted.hours_to_exhaust is not None
    assert predicted.hours_to_exhaust.median == math.inf  # 336 h / 0 burn


def test_availability_slo_without_breach() -> None:
    impact = run([A, B], [Call("a", "b")], "b:error=0.004", slos=[slo("a", objective=0.99)])
    (predicted,) = impact.slos
    assert predicted.burn_rate is not None and predicted.hours_to_exhaust is not None
    assert predicted.burn_rate.median == pytest.approx(0.4)  # 0.004 / 0.01
    assert predicted.hours_to_exhaust.median == pytest.approx(840.0)  # 0.5 * 672 / 0.4
    assert predicted.breach_probability == 0.0  # 0.4 < 0.5


def test_an_slo_burnt_no_faster_than_budgeted_is_not_burning() -> None:
    # 0.1% errors against a 99.9% objective: burn 1.0x, exactly the budgeted rate; the half
    # budget left runs out within the window at that rate (a breach), but it does not burn faster
    at_rate = run([A, B], [Call("a", "b")], "b:error=0.001", slos=[slo("a")])
    (predicted,) = at_rate.slos
    assert predicted.burn_rate is not None and predicted.burn_rate.median == pytest.approx(1.0)
    assert predicted.breach_probability == 1.0
    assert not predicted.burns
    # the same SLO with its budget spent: at no burn at all
    spent = run([A, B, C], [Call("a", "b")], "b:error=0.1", slos=[slo("c", budget_remaining=0.0)])
    (predicted,) = spent.slos
    assert predicted.burn_rate is not None and predicted.burn_rate.median == 0.0
    assert not predicted.burns
    faster = run([A, B], [Call("a", "b")], "b:error=0.0011", slos=[slo("a")])
    assert faster.slos[0].burns  # 1.1x


def test_a_budget_the_slo_exhausts_without_the_change_is_breached_before() -> None:
    services = [Service("a", error_rate=0.0009), B]
    slos = [slo("a", budget_remaining=0.02)]
    impact = run(services, [Call("a", "b", per_request=1)], "b:error=0.01", slos=slos)
    (predicted,) = impact.slos
    # before: burn 0.0009 / 0.001 = 0.9x; 0.9 * 672 h = 604.8 >= 0.02 * 672 = 13.44 h of budget
    assert predicted.breach_before == 1.0
    # after: 1 - 0.9991 * 0.99 = 0.010891 errors, burn 10.891x: breached too, but not by the change
    assert predicted.burn_rate is not None
    assert predicted.burn_rate.median == pytest.approx(10.891)
    assert predicted.breach_probability == 1.0
    assert predicted.breach_added == 0.0
    assert predicted.notes == (
        "exhausts its budget without this change (burn rate 0.90x before it, 2% of the budget left)",
    )


def test_a_change_that_pushes_an_slo_over_its_budget_adds_the_breach() -> None:
    services = [Service("a", error_rate=0.0004), B]
    impact = run(services, [Call("a", "b", per_request=1)], "b:error=0.01", slos=[slo("a")])
    (predicted,) = impact.slos
    # before: burn 0.0004 / 0.001 = 0.4x; 0.4 * 672 = 268.8 h < 0.5 * 672 = 336 h of budget
    assert predicted.breach_before == 0.0
    # after: 1 - 0.9996 * 0.99 = 0.010396 errors, burn 10.396x >= 0.5 in every trial
    assert predicted.burn_rate is not None
    assert predicted.burn_rate.median == pytest.approx(10.396)
    assert predicted.breach_probability == predicted.breach_added == 1.0
    assert predicted.notes == ()


def test_breach_probability_over_a_range() -> None:
    slos = [slo("a", objective=0.99, window="30d")]
    impact = run([A, B], [Call("a", "b")], "b:error=0..0.01", slos=slos, trials=20_000)
    (predicted,) = impact.slos
    # burn = U(0, 0.01) / 0.01 = U(0, 1); breach when burn >= budget 0.5: probability 0.5
    assert predicted.breach_probability == pytest.approx(0.5, abs=0.02)


def test_latency_slo_through_the_lognormal() -> None:
    services = [Service("a", p50_ms=100, p90_ms=200)]
    slos = [
        slo("a", indicator="latency", objective=0.99, threshold_ms=300, window="7d", budget_remaining=1.0)
    ]
    impact = run(services, [], "a:latency=100ms", slos=slos)
    (predicted,) = impact.slos
    # before: sigma = ln 2 / Z90; P(X < 300) = Phi(ln 3 / sigma) = Phi(2.0312) ~ 0.97889
    assert predicted.sli_before == pytest.approx(phi(math.log(3) / (math.log(2) / Z90)))
    # after: every request 100 ms slower, p50 200, p90 300 -> threshold 300 is the new p90: SLI 0.9
    # (the change counted over 10,000 simulated requests)
    assert predicted.sli_after is not None and predicted.burn_rate is not None
    assert predicted.sli_after.median == pytest.approx(0.9, abs=2e-4)
    assert predicted.burn_rate.median == pytest.approx(10.0, rel=2e-3)  # 0.1 / 0.01
    assert predicted.hours_to_exhaust is not None
    assert predicted.hours_to_exhaust.median == pytest.approx(16.8, rel=2e-3)  # 1.0 * 168 / 10
    assert predicted.critical_path == ("a",)


def test_unknown_budget_gives_none_and_a_note() -> None:
    slos = [slo("a", budget_remaining=None)]
    impact = run([A, B], [Call("a", "b")], "b:error=0.01", slos=slos)
    (predicted,) = impact.slos
    assert predicted.burn_rate is not None
    assert predicted.burn_rate.median == pytest.approx(10.0)  # 0.01 / 0.001
    assert predicted.hours_to_exhaust is None
    assert predicted.breach_probability is None
    assert predicted.breach_before is None and predicted.breach_added is None
    assert any("error budget left is unknown" in note for note in predicted.notes)


def test_unknown_service_and_bad_window_are_noted() -> None:
    slos = [slo("ghost"), slo("a", window="monthly")]
    impact = run([A, B], [Call("a", "b")], "b:error=0.01", slos=slos)
    ghost, monthly = impact.slos
    assert ghost.sli_after is None and ghost.notes == ("ghost is not in the service graph",)
    assert monthly.hours_to_exhaust is None
    assert monthly.breach_probability is None and monthly.breach_before is None
    assert any("'monthly' is not like 28d" in note for note in monthly.notes)


def test_critical_path_from_fault_to_slo_service() -> None:
    services = [Service("f"), A, B, C]
    calls = [Call("f", "a"), Call("a", "b"), Call("f", "c")]
    impact = run(services, calls, "b:error=0.1", slos=[slo("f"), slo("c")])
    on_path, off_path = impact.slos
    assert on_path.critical_path == ("b", "a", "f")
    assert off_path.critical_path == ()  # c does not reach b


def test_critical_path_is_the_call_chain_even_when_a_fallback_stops_the_fault() -> None:
    calls = [Call("f", "a"), Call("a", "b", fallback=True)]
    impact = run([Service("f"), A, B], calls, "b:error=0.1", slos=[slo("f")])
    (predicted,) = impact.slos
    assert predicted.critical_path == ("b", "a", "f")
    assert predicted.burn_rate is not None and predicted.burn_rate.median == 0.0  # absorbed at a
    assert predicted.hours_to_exhaust is not None and predicted.hours_to_exhaust.median == math.inf
    assert predicted.breach_probability == 0.0


# --- specs ---------------------------------------------------------------------------------


def test_unknown_service_in_an_injection() -> None:
    with pytest.raises(InputError, match=r"no service 'nope' in the graph \(known: a, b\)"):
        run([A, B], [Call("a", "b")], "nope:error=0.1")


def test_a_latency_slo_counts_the_requests_under_its_threshold() -> None:
    # a (always 100 ms) calls b in 5% of its requests; b +500 ms: 5% of a's requests take 600 ms.
    # Its p50 and p90 do not move, yet 5% of its requests now miss a 300 ms threshold
    services = [Service("a", p50_ms=100, p90_ms=100), B]
    slos = [
        slo("a", indicator="latency", objective=0.99, threshold_ms=300, window="7d", budget_remaining=1.0)
    ]
    impact = run(services, [Call("a", "b", per_request=0.05)], "b:latency=500ms", slos=slos)
    (predicted,) = impact.slos
    assert predicted.sli_before == pytest.approx(1.0)
    assert predicted.sli_after is not None and predicted.sli_after.median == pytest.approx(0.95, abs=1e-3)
    assert predicted.burn_rate is not None and predicted.burn_rate.median == pytest.approx(5.0, rel=0.02)

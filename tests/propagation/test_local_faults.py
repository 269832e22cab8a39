"""propagation/local_faults.py: what a faulty service does by itself (CPU queueing, network delay, latency
ratios of its own latency, the sorted first sample), every expected number worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from preflight.models import Call, Service
from preflight.propagation import engine, parse
from tests.propagation.graphs import (
    A,
    B,
    added_p90,
    error,
    mixture_quantile,
    of,
    p50_after,
    p90_after,
    run,
)

# --- CPU -----------------------------------------------------------------------------------


def test_cpu_queueing_mm1_below_saturation() -> None:
    services = [A, Service("b", p50_ms=10, p90_ms=30, utilization=0.4)]
    impact = run(services, [Call("a", "b", per_request=1)], "b:cpu=x2")
    # rho' = 0.8 < 0.98; multiplier = 2 * (1 - 0.4) / (1 - 0.8) = 6
    assert p50_after(impact, "b") == pytest.approx(60.0)  # 10 * 6
    assert p90_after(impact, "b") == pytest.approx(180.0)  # 30 * 6
    assert error(impact, "b") == 0.0
    assert added_p90(impact, "a") == pytest.approx(150.0)  # (6 - 1) * 30 seen by the caller


def test_cpu_beyond_saturation_sheds_the_excess() -> None:
    services = [Service("b", p50_ms=10, p90_ms=30, utilization=0.6)]
    impact = run(services, [], "b:cpu=x2")
    assert engine.SATURATION == 0.98
    # rho' = 1.2: error = 1 - 0.98 / 1.2 = 0.18333...
    assert error(impact, "b") == pytest.approx(1 - 0.98 / 1.2)
    # queue capped at saturation: 2 * (1 - 0.6) / (1 - 0.98) = 40
    assert p90_after(impact, "b") == pytest.approx(1200.0)  # 30 * 40


def test_cpu_function_share_scales_the_demand() -> None:
    services = [Service("b", p50_ms=10, p90_ms=30, utilization=0.4)]
    impact = run(services, [], parse("b:pkg.fn:cpu=x3").with_share(0.5))
    # demand = 1 + 0.5 * (3 - 1) = 2 -> same as x2: multiplier 6
    assert p90_after(impact, "b") == pytest.approx(180.0)


def test_cpu_unknown_utilization_is_assumed_and_said() -> None:
    impact = run([Service("b", p50_ms=10, p90_ms=30)], [], "b:cpu=x1.5", trials=2000)
    assert any("CPU utilization unknown, assumed 20%-60%" in note for note in impact.assumptions)
    # rho ~ U(0.2, 0.6): multiplier 1.5 (1 - rho) / (1 - 1.5 rho) lies in [1.714, 6]
    p90 = of(impact, "b").p90_ms_after
    assert p90 is not None
    assert 30 * 1.5 * 0.8 / 0.7 <= p90.low < p90.median < p90.high <= 30 * 1.5 * 0.4 / 0.1


def test_cpu_retry_load_simulated_once_more() -> None:
    services = [A, Service("b", p50_ms=10, p90_ms=30, utilization=0.6)]
    impact = run(services, [Call("a", "b", per_request=1, retries=1)], "b:cpu=x2")
    first = 1 - 0.98 / 1.2  # shed at rho' = 1.2: 0.18333
    load = 1 + first  # one retry: 1.18333
    second = 1 - 0.98 / (1.2 * load)  # shed at rho' = 1.42: 0.30986
    assert of(impact, "b").load_factor.median == pytest.approx(load)
    assert error(impact, "b") == pytest.approx(second)
    assert error(impact, "a") == pytest.approx(second**2)  # ~ 0.09601
    assert any("retries raise the load" in note for note in impact.assumptions)


# --- network -------------------------------------------------------------------------------


def test_network_delay_is_seen_by_callers_only() -> None:
    services = [A, Service("b", p50_ms=10, p90_ms=30)]
    impact = run(services, [Call("a", "b", per_request=2)], "b:network=50ms")
    assert added_p90(impact, "a") == pytest.approx(100.0)  # 2 * 50
    assert added_p90(impact, "b") == 0.0
    assert p90_after(impact, "b") == 30.0
    assert not of(impact, "b").affected


# --- latency faults: ratio and share -------------------------------------------------------


def test_latency_ratio_uses_the_services_own_latency() -> None:
    services = [A, Service("b", p50_ms=20, p90_ms=50)]
    impact = run(services, [Call("a", "b", per_request=1)], "b:latency=x3")
    assert p50_after(impact, "b") == pytest.approx(60.0)  # 20 + (3 - 1) * 20
    assert p90_after(impact, "b") == pytest.approx(150.0)  # 50 + (3 - 1) * 50
    assert added_p90(impact, "a") == pytest.approx(100.0)


def test_latency_ratio_scaled_by_function_share() -> None:
    services = [Service("b", p50_ms=20, p90_ms=50)]
    impact = run(services, [], parse("b:pkg.fn:latency=x3").with_share(0.05))
    # 5% of b's requests take 3 X, the rest X (X lognormal through 20 / 50)
    parts = [(0.95, 1.0, 0.0), (0.05, 3.0, 0.0)]
    assert p50_after(impact, "b") == pytest.approx(mixture_quantile(0.5, 20, 50, parts), abs=0.2)  # 20.6
    assert p90_after(impact, "b") == pytest.approx(mixture_quantile(0.9, 20, 50, parts), abs=0.5)  # 58.0


def test_latency_ratio_with_unknown_latency_is_left_out_and_said() -> None:
    impact = run([A, B], [Call("a", "b", per_request=1)], "b:latency=x3")
    assert added_p90(impact, "a") == 0.0
    assert any("cannot be turned into milliseconds" in note for note in impact.assumptions)


def test_latency_ratio_with_only_the_p50_known_moves_the_p50() -> None:
    impact = run([Service("b", p50_ms=20)], [], "b:latency=x3")
    assert p50_after(impact, "b") == pytest.approx(60.0)  # 20 + (3 - 1) * 20
    assert any("p90 is unknown" in note for note in impact.assumptions)


def test_absolute_latency_fault() -> None:
    impact = run([Service("b", p50_ms=20, p90_ms=50)], [], "b:latency=1.5s")
    assert p90_after(impact, "b") == pytest.approx(1550.0)  # 50 + 1500


# --- Monte Carlo ---------------------------------------------------------------------------


def test_sorting_the_first_sampled_magnitude_leaves_the_distribution_alone() -> None:
    # error in a, wrong in b, independent ranges: a's and b's samples stay paired at random
    graph = ([Service("f"), A, B], [Call("f", "a", per_request=1), Call("f", "b", per_request=1)])
    impact = run(*graph, "a:error=0..0.4", "b:wrong=0..0.4", trials=200_000)
    estimate = of(impact, "f").error_rate_after
    # 1 - (1 - X)(1 - Y) with X, Y ~ U(0, 0.4) independent, against an independent sample of it
    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 0.4, 200_000), rng.uniform(0, 0.4, 200_000)
    expected = np.quantile(1 - (1 - x) * (1 - y), (0.05, 0.5, 0.95))
    assert (estimate.low, estimate.median, estimate.high) == pytest.approx(tuple(expected), abs=0.006)


# --- load and back-pressure ----------------------------------------------------------------


def test_retries_queue_up_at_a_busy_callee() -> None:
    # b serves at 50% utilization; a retries twice: b gets 1 + 0.5 + 0.25 = 1.75x the requests,
    # 87.5% busy: its M/M/1 response time grows by (1 - 0.5) / (1 - 0.875) = 4
    services = [A, Service("b", p50_ms=10, p90_ms=30, utilization=0.5)]
    impact = run(services, [Call("a", "b", per_request=1, retries=2)], "b:error=0.5")
    assert of(impact, "b").load_factor.median == pytest.approx(1.75)
    assert p90_after(impact, "b") == pytest.approx(120.0, rel=2e-3)  # 30 * 4
    assert any("the load on 1 service(s) changes (retries: b)" in note for note in impact.assumptions)


def test_a_caller_whose_timeout_trips_gets_faster_than_before() -> None:
    # a takes 1 s; its call to b (always 50 ms) times out at 100 ms; b becomes 10 s slower: every
    # call fails at the timeout (a's requests fail), a request of a stops half-way: 0.5 s + 0.05 s
    services = [Service("a", p50_ms=1000, p90_ms=1000), B]
    calls = [Call("a", "b", per_request=1, p50_ms=50, p90_ms=50, timeout_ms=100)]
    impact = run(services, calls, "b:latency=10s")
    assert error(impact, "a") == pytest.approx(1.0)
    # the call waits min(50 + 10,000, 100) = 100 ms, 50 more than before; then the request aborts:
    # 1000 + 50 - 0.5 * 1000 = 550
    assert p90_after(impact, "a") == pytest.approx(550.0)


def test_retries_after_timeouts_load_the_slow_callee_once_more() -> None:
    # b always takes 50 ms at 40% utilization; a calls it with a 100 ms timeout and one retry.
    # b +60 ms: every call times out, so every call is retried: b gets twice the requests, 80%
    # busy, its queue x (1 - 0.4) / (1 - 0.8) = 3: 50 * 3 + 60 = 210 ms (its own errors, none,
    # do not say so: the second pass with the callers' load does)
    services = [A, Service("b", p50_ms=50, p90_ms=50, utilization=0.4)]
    calls = [Call("a", "b", per_request=1, p50_ms=50, p90_ms=50, timeout_ms=100, retries=1)]
    impact = run(services, calls, "b:latency=60ms")
    assert of(impact, "b").load_factor.median == pytest.approx(2.0)
    assert p90_after(impact, "b") == pytest.approx(210.0)
    assert error(impact, "a") == pytest.approx(1.0)

"""Propagation rules on tiny graphs, every expected number worked out by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from preflight.errors import InputError
from preflight.models import Impact, ServiceImpact, SloStatus
from preflight.propagation import engine, parse, read_csv, simulate
from preflight.propagation.faults import Fault
from preflight.propagation.graph import PARALLEL, Z90, Call, Service, ServiceGraph

TRIALS = 4


def run(
    services: Sequence[Service],
    calls: Sequence[Call],
    *faults: str | Fault,
    slos: Sequence[SloStatus] = (),
    trials: int = TRIALS,
    seed: int = 0,
) -> Impact:
    graph = ServiceGraph(services, calls)
    parsed = [parse(f) if isinstance(f, str) else f for f in faults]
    return simulate(graph, parsed, slos, trials=trials, seed=seed)


def of(impact: Impact, name: str) -> ServiceImpact:
    return next(s for s in impact.services if s.service == name)


def error(impact: Impact, name: str) -> float:
    estimate = of(impact, name).error_rate_after
    assert estimate.low == estimate.median == estimate.high  # fixed magnitudes: no spread
    return estimate.median


def added_p90(impact: Impact, name: str) -> float:
    estimate = of(impact, name).added_p90_ms
    assert estimate.low == estimate.median == estimate.high
    return estimate.median


def p50_after(impact: Impact, name: str) -> float:
    estimate = of(impact, name).p50_ms_after
    assert estimate is not None
    return estimate.median


def p90_after(impact: Impact, name: str) -> float:
    estimate = of(impact, name).p90_ms_after
    assert estimate is not None
    return estimate.median


def phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def slo(service: str, **kwargs: object) -> SloStatus:
    values: dict[str, object] = {
        "name": f"{service}-slo",
        "service": service,
        "indicator": "availability",
        "objective": 0.999,
        "window": "28d",
        "threshold_ms": None,
        "route": None,
        "budget_remaining": 0.5,
        "budget_source": "user:slos.yml",
    }
    values.update(kwargs)
    return SloStatus(**values)  # type: ignore[arg-type]


A, B, C, D = Service("a"), Service("b"), Service("c"), Service("d")


# --- errors ------------------------------------------------------------------------------------


def test_error_per_call_compounds_over_calls_per_request() -> None:
    impact = run([A, B], [Call("a", "b", per_request=2)], "b:error=0.1")
    assert error(impact, "b") == pytest.approx(0.1)
    assert error(impact, "a") == pytest.approx(0.19)  # 1 - 0.9**2 = 0.19


def test_error_fractional_calls_per_request() -> None:
    impact = run([A, B], [Call("a", "b", per_request=0.5)], "b:error=0.36")
    assert error(impact, "a") == pytest.approx(0.2)  # 1 - 0.64**0.5 = 1 - 0.8 = 0.2


def test_errors_of_two_callees_combine() -> None:
    calls = [Call("a", "b", per_request=1), Call("a", "c", per_request=1)]
    impact = run([A, B, C], calls, "b:error=0.1", "c:error=0.2")
    assert error(impact, "a") == pytest.approx(0.28)  # 1 - 0.9 * 0.8 = 0.28


def test_errors_through_a_chain_and_on_top_of_base_error() -> None:
    services = [Service("a", error_rate=0.05), B, C]
    calls = [Call("a", "b", per_request=1), Call("b", "c", per_request=3)]
    impact = run(services, calls, "c:error=0.1")
    assert error(impact, "b") == pytest.approx(0.271)  # 1 - 0.9**3 = 0.271
    assert error(impact, "a") == pytest.approx(0.30745)  # 1 - 0.95 * 0.729 = 0.30745
    assert of(impact, "a").error_rate_before == 0.05


def test_function_share_scales_an_error_fault() -> None:
    fault = parse("b:pkg.mod.fn:error=0.5").with_share(0.2)
    impact = run([A, B], [Call("a", "b", per_request=1)], fault)
    assert error(impact, "b") == pytest.approx(0.1)  # 0.2 * 0.5 = 0.1
    assert error(impact, "a") == pytest.approx(0.1)


def test_a_function_run_several_times_per_request_compounds_its_errors() -> None:
    # validate-example: list_products runs from_float 9 times; 20% of executions failing failed
    # 87% of requests, not 20%
    fault = parse("b:pkg.mod.fn:error=0.2").with_share(3.0)
    assert (fault.share, fault.executions) == (1.0, 3.0)
    impact = run([A, B], [Call("a", "b", per_request=1)], fault)
    assert error(impact, "b") == pytest.approx(1 - 0.8**3)  # 0.488: any of the three raising fails it
    assert error(impact, "a") == pytest.approx(1 - 0.8**3)


def test_a_function_run_several_times_per_request_adds_its_delay_each_time() -> None:
    once = run([A, B], [Call("a", "b", per_request=1)], parse("b:pkg.fn:latency=40ms").with_share(1.0))
    twice = run([A, B], [Call("a", "b", per_request=1)], parse("b:pkg.fn:latency=40ms").with_share(2.0))
    assert added_p90(once, "b") == pytest.approx(40.0)
    assert added_p90(twice, "b") == pytest.approx(80.0)


# --- fallback / wrong --------------------------------------------------------------------------


def test_fallback_absorbs_errors() -> None:
    impact = run([A, B], [Call("a", "b", per_request=1, fallback=True)], "b:error=0.5")
    assert error(impact, "b") == pytest.approx(0.5)
    assert error(impact, "a") == 0.0  # absorbed
    assert of(impact, "a").affected_probability == 0.0


def test_wrong_value_is_not_absorbed_by_fallback() -> None:
    impact = run([A, B], [Call("a", "b", per_request=2, fallback=True)], "b:wrong=0.5")
    assert error(impact, "a") == pytest.approx(0.75)  # 1 - (1 - 0.5)**2 = 0.75
    # b's calls succeed but half return a wrong value: a bad response for whoever gets it
    assert error(impact, "b") == pytest.approx(0.5)


def test_wrong_value_is_not_helped_by_retries() -> None:
    impact = run([A, B], [Call("a", "b", per_request=1, retries=3)], "b:wrong=0.3")
    assert error(impact, "a") == pytest.approx(0.3)  # no retry: 0.3, not 0.3**4
    assert of(impact, "b").load_factor.median == 1.0  # nothing retried: 1 + 0 = 1


def test_wrong_becomes_an_error_of_the_caller_which_a_fallback_upstream_absorbs() -> None:
    calls = [Call("f", "a", per_request=1, fallback=True), Call("a", "b", per_request=1)]
    impact = run([Service("f"), A, B], calls, "b:wrong=0.3")
    assert error(impact, "a") == pytest.approx(0.3)
    assert error(impact, "f") == 0.0


# --- retries -----------------------------------------------------------------------------------


def test_retries_fail_with_p_to_the_r_plus_1_and_multiply_load() -> None:
    impact = run([A, B], [Call("a", "b", per_request=1, retries=2)], "b:error=0.5")
    assert error(impact, "a") == pytest.approx(0.125)  # 0.5**3 = 0.125
    assert of(impact, "b").load_factor.median == pytest.approx(1.75)  # 1 + 0.5 + 0.25 = 1.75


def test_retry_load_weighted_by_the_callers_share_of_inbound_calls() -> None:
    services = [Service("a", requests_per_s=10), B, Service("c", requests_per_s=30)]
    calls = [Call("a", "b", per_request=2, retries=2), Call("c", "b", per_request=1)]
    impact = run(services, calls, "b:error=0.5")
    # inbound into b: a 10 * 2 = 20/s, c 30 * 1 = 30/s -> 50/s
    # load = 1 + 20 * (0.5 + 0.25) / 50 = 1 + 15 / 50 = 1.3
    assert of(impact, "b").load_factor.median == pytest.approx(1.3)
    assert error(impact, "a") == pytest.approx(0.234375)  # 1 - (1 - 0.5**3)**2 = 1 - 0.875**2
    assert error(impact, "c") == pytest.approx(0.5)  # no retries


def test_retry_load_of_two_retrying_callers_adds_up() -> None:
    services = [Service("a", requests_per_s=10), B, Service("c", requests_per_s=30)]
    calls = [Call("a", "b", per_request=2, retries=2), Call("c", "b", per_request=1, retries=1)]
    impact = run(services, calls, "b:error=0.5")
    # a: 20/50 * (0.5 + 0.25) = 0.3; c: 30/50 * 0.5 = 0.3 -> 1 + 0.3 + 0.3 = 1.6
    assert of(impact, "b").load_factor.median == pytest.approx(1.6)
    assert error(impact, "c") == pytest.approx(0.25)  # 0.5**2


def test_retries_add_their_own_time() -> None:
    services = [Service("a", p50_ms=40, p90_ms=100), B]
    impact = run(services, [Call("a", "b", per_request=1, p50_ms=20, retries=2)], "b:error=0.5")
    # expected extra attempts 0.5 + 0.25 = 0.75, each 20 ms -> +15 ms
    # fail fast: a's error 0.125 -> p90 - 0.5 * 0.125 * 100 = -6.25, p50 - 0.5 * 0.125 * 40 = -2.5
    assert added_p90(impact, "a") == pytest.approx(8.75)  # 15 - 6.25
    assert p50_after(impact, "a") == pytest.approx(52.5)  # 40 + 15 - 2.5


def test_retried_attempts_take_the_added_latency_too() -> None:
    services = [Service("a", p50_ms=40, p90_ms=100), B]
    calls = [Call("a", "b", per_request=1, p50_ms=20, retries=2)]
    impact = run(services, calls, "b:error=0.5", "b:latency=10ms")
    # 10 + 0.75 * (20 + 10) - 0.5 * 0.125 * 100 = 10 + 22.5 - 6.25 = 26.25
    assert added_p90(impact, "a") == pytest.approx(26.25)


# --- timeouts ----------------------------------------------------------------------------------


def test_timeout_tight_latency_beyond_it_fails_every_call() -> None:
    # p50 = p90 = 50: sigma ~ 0, every call takes 50 ms; +60 ms -> 110 > 100: all time out
    calls = [Call("a", "b", per_request=1, p50_ms=50, p90_ms=50, timeout_ms=100)]
    impact = run([A, B], calls, "b:latency=60ms")
    assert error(impact, "a") == pytest.approx(1.0)
    assert added_p90(impact, "a") == pytest.approx(50.0)  # capped: min(50 + 60, 100) - 50 = 50


def test_timeout_tight_latency_within_it_fails_nothing() -> None:
    calls = [Call("a", "b", per_request=1, p50_ms=50, p90_ms=50, timeout_ms=100)]
    impact = run([A, B], calls, "b:latency=40ms")
    assert error(impact, "a") == pytest.approx(0.0, abs=1e-12)  # 50 + 40 = 90 < 100
    assert added_p90(impact, "a") == pytest.approx(40.0)


def test_timeout_lognormal_share_of_late_calls() -> None:
    # call latency lognormal through p50 = 50, p90 = 100: sigma = ln 2 / Z90
    calls = [Call("a", "b", per_request=1, p50_ms=50, p90_ms=100, timeout_ms=200)]
    impact = run([A, B], calls, "b:latency=50ms")
    sigma = math.log(2) / Z90
    late_before = 1 - phi(math.log(200 / 50) / sigma)  # 1 - Phi(2 Z90) ~ 0.00519
    late_after = 1 - phi(math.log(150 / 50) / sigma)  # room 200 - 50 = 150: 1 - Phi(2.0312) ~ 0.02111
    assert error(impact, "a") == pytest.approx(late_after - late_before)  # ~ 0.01592
    assert added_p90(impact, "a") == pytest.approx(50.0)  # min(100 + 50, 200) - 100 = 50


def test_timeout_caps_the_added_latency() -> None:
    services = [Service("a", p50_ms=100, p90_ms=200), B]
    calls = [Call("a", "b", per_request=1, p50_ms=50, p90_ms=100, timeout_ms=200)]
    impact = run(services, calls, "b:latency=150ms")
    # room = 200 - 150 = 50 = p50 -> half the calls are late: 0.5 - (1 - Phi(2 Z90))
    failed = phi(2 * Z90) - 0.5  # ~ 0.49481
    assert error(impact, "a") == pytest.approx(failed)
    # p90: min(100 + 150, 200) - 100 = 100; fail fast - 0.5 * failed * 200
    assert added_p90(impact, "a") == pytest.approx(100 - 0.5 * failed * 200)  # ~ 50.52
    # p50: min(50 + 150, 200) - 50 = 150; fail fast - 0.5 * failed * 100
    assert p50_after(impact, "a") == pytest.approx(100 + 150 - 0.5 * failed * 100)  # ~ 225.26


# --- latency -----------------------------------------------------------------------------------


def test_sequential_calls_add_n_times_the_delay() -> None:
    calls = [Call("a", "b", per_request=2), Call("a", "c", per_request=1)]
    impact = run([Service("a", p50_ms=100, p90_ms=300), B, C], calls, "b:latency=10ms", "c:latency=30ms")
    assert added_p90(impact, "a") == pytest.approx(50.0)  # 2 * 10 + 1 * 30 = 50
    assert p50_after(impact, "a") == pytest.approx(150.0)  # 100 + 50


def test_parallel_calls_take_the_largest_plus_sequential_ones() -> None:
    calls = [
        Call("a", "b", per_request=1, mode=PARALLEL),
        Call("a", "c", per_request=1, mode=PARALLEL),
        Call("a", "d", per_request=1),
    ]
    impact = run([A, B, C, D], calls, "b:latency=10ms", "c:latency=30ms", "d:latency=5ms")
    assert added_p90(impact, "a") == pytest.approx(35.0)  # max(10, 30) + 5 = 35


def test_parallel_calls_to_one_callee_take_the_largest_not_the_sum() -> None:
    impact = run([A, B], [Call("a", "b", per_request=2, mode=PARALLEL)], "b:latency=10ms")
    assert added_p90(impact, "a") == pytest.approx(10.0)  # max(10, 10) = 10, not 2 * 10


def test_fraction_of_requests_moves_a_percentile_in_proportion() -> None:
    services = [Service("a", p50_ms=100, p90_ms=300), B]
    impact = run(services, [Call("a", "b", per_request=0.05)], "b:latency=100ms")
    assert added_p90(impact, "a") == pytest.approx(50.0)  # 0.05 / (1 - 0.9) = 0.5 -> 0.5 * 100
    assert p50_after(impact, "a") == pytest.approx(110.0)  # 0.05 / (1 - 0.5) = 0.1 -> 100 + 10


def test_fraction_above_1_minus_q_moves_the_percentile_fully() -> None:
    services = [Service("a", p50_ms=100, p90_ms=300), B]
    impact = run(services, [Call("a", "b", per_request=0.2)], "b:latency=100ms")
    assert added_p90(impact, "a") == pytest.approx(100.0)  # 0.2 >= 0.1: full
    assert p50_after(impact, "a") == pytest.approx(140.0)  # 0.2 / 0.5 = 0.4 -> 100 + 40


def test_rare_calls_along_a_chain_do_not_compound() -> None:
    # f -> m -> leaf, 0.1 calls per request each: 1% of f's requests reach the leaf
    services = [Service("f", p50_ms=100, p90_ms=300), Service("m", p50_ms=50, p90_ms=100), B]
    calls = [Call("f", "m", per_request=0.1), Call("m", "b", per_request=0.1)]
    impact = run(services, calls, "b:latency=100ms")
    # m: mean 0.1 * 100 = 10 ms, touched 0.1 >= 1 - 0.9: p90 + 10 / 0.1 = 100, p50 + 10 / 0.5 = 20
    assert added_p90(impact, "m") == pytest.approx(100.0)
    assert p50_after(impact, "m") == pytest.approx(70.0)
    # f: mean 0.1 * 10 = 1 ms, touched 0.1 * 0.1 = 0.01 < 0.1: p90 + 1 / 0.1 = 10 (not 100: the
    # weight is applied once, at f, to the 1% of its requests that reach the leaf)
    assert added_p90(impact, "f") == pytest.approx(10.0)
    assert p50_after(impact, "f") == pytest.approx(102.0)  # 100 + 1 / 0.5


def test_touched_share_of_whole_and_fractional_calls() -> None:
    # a makes 2.5 calls to b per request; b's fault runs in 20% of b's requests
    services = [Service("a", p50_ms=100, p90_ms=200), B]
    fault = parse("b:pkg.fn:latency=40ms").with_share(0.2)
    impact = run(services, [Call("a", "b", per_request=2.5)], fault)
    # mean 2.5 * 0.2 * 40 = 20 ms; touched 1 - 0.8**2 * (1 - 0.5 * 0.2) = 1 - 0.64 * 0.9 = 0.424
    assert state_of(fault, services, [Call("a", "b", per_request=2.5)], "a") == pytest.approx(0.424)
    assert added_p90(impact, "a") == pytest.approx(20 / 0.424)  # 47.17: touched above 0.1
    assert p50_after(impact, "a") == pytest.approx(100 + 20 / 0.5)  # 0.424 < 0.5: in proportion


def state_of(fault: Fault, services: Sequence[Service], calls: Sequence[Call], name: str) -> float:
    state = engine.propagate(ServiceGraph(services, calls), [fault], trials=TRIALS)
    return float(state.touched[state.rows[name]])


def test_parallel_and_guarded_calls_of_several_callers_in_one_step() -> None:
    # two callers computed in the same step, each with a parallel pair and a retried call
    services = [Service("a"), Service("x"), B, C, D]
    calls = [
        Call("a", "b", per_request=1, mode=PARALLEL),
        Call("a", "c", per_request=1, mode=PARALLEL),
        Call("a", "d", per_request=1, p50_ms=20, retries=1),
        Call("x", "c", per_request=1, mode=PARALLEL),
        Call("x", "d", per_request=2),
    ]
    impact = run(services, calls, "b:latency=10ms", "c:latency=30ms", "d:error=0.5")
    # a: max(10, 30) + d retried: 1 extra attempt half the time -> 0.5 * 20 = 10 -> 40
    assert added_p90(impact, "a") == pytest.approx(40.0)
    assert error(impact, "a") == pytest.approx(0.25)  # 0.5**2
    # x: 30 (its one parallel call) and d twice without retries: 1 - 0.5**2 = 0.75
    assert added_p90(impact, "x") == pytest.approx(30.0)
    assert error(impact, "x") == pytest.approx(0.75)
    assert of(impact, "d").load_factor.median == pytest.approx(1 + 1 / 3 * 0.5)  # a: 1 of 3 calls/s


def test_a_service_the_fault_cannot_reach_is_unchanged() -> None:
    services = [Service("a", p50_ms=10, p90_ms=20), B, Service("z", p50_ms=5, p90_ms=9)]
    impact = run(services, [Call("a", "b", per_request=1), Call("b", "z", per_request=1)], "b:error=0.2")
    z = of(impact, "z")
    assert z.affected_probability == 0.0 and z.error_rate_after.median == 0.0
    assert z.p90_ms_after is not None and z.p90_ms_after.median == 9.0
    predicted = run(services, [Call("a", "b", per_request=1)], "b:error=0.2", slos=[slo("z")])
    assert predicted.slos[0].burn_rate is not None and predicted.slos[0].burn_rate.median == 0.0


# --- fail fast ---------------------------------------------------------------------------------


def test_fail_fast_caller_gets_faster_while_its_errors_rise() -> None:
    services = [Service("a", p50_ms=100, p90_ms=200), B]
    impact = run(services, [Call("a", "b", per_request=1)], "b:error=0.2")
    assert engine.ABORT_FRACTION == 0.5
    assert error(impact, "a") == pytest.approx(0.2)
    assert added_p90(impact, "a") == pytest.approx(-20.0)  # -0.5 * 0.2 * 200 = -20
    assert p90_after(impact, "a") == pytest.approx(180.0)
    assert p50_after(impact, "a") == pytest.approx(90.0)  # 100 - 0.5 * 0.2 * 100


# --- CPU ---------------------------------------------------------------------------------------


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


# --- network -----------------------------------------------------------------------------------


def test_network_delay_is_seen_by_callers_only() -> None:
    services = [A, Service("b", p50_ms=10, p90_ms=30)]
    impact = run(services, [Call("a", "b", per_request=2)], "b:network=50ms")
    assert added_p90(impact, "a") == pytest.approx(100.0)  # 2 * 50
    assert added_p90(impact, "b") == 0.0
    assert p90_after(impact, "b") == 30.0
    assert not of(impact, "b").affected


# --- latency faults: ratio and share -----------------------------------------------------------


def test_latency_ratio_uses_the_services_own_latency() -> None:
    services = [A, Service("b", p50_ms=20, p90_ms=50)]
    impact = run(services, [Call("a", "b", per_request=1)], "b:latency=x3")
    assert p50_after(impact, "b") == pytest.approx(60.0)  # 20 + (3 - 1) * 20
    assert p90_after(impact, "b") == pytest.approx(150.0)  # 50 + (3 - 1) * 50
    assert added_p90(impact, "a") == pytest.approx(100.0)


def test_latency_ratio_scaled_by_function_share() -> None:
    services = [Service("b", p50_ms=20, p90_ms=50)]
    impact = run(services, [], parse("b:pkg.fn:latency=x3").with_share(0.05))
    assert p50_after(impact, "b") == pytest.approx(24.0)  # 0.05 / 0.5 = 0.1 -> 20 + 0.1 * 40
    assert p90_after(impact, "b") == pytest.approx(100.0)  # 0.05 / 0.1 = 0.5 -> 50 + 0.5 * 100


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


# --- cycles ------------------------------------------------------------------------------------


def test_cycle_errors_converge_to_the_fixed_point() -> None:
    calls = [Call("a", "b", per_request=0.5), Call("b", "a", per_request=0.5)]
    impact = run([A, B], calls, "b:error=0.1")
    # survival s: s_a = s_b**0.5, s_b = 0.9 * s_a**0.5 = 0.9 * s_b**0.25
    # log s_b = log 0.9 * (1 + 1/4 + 1/16 + ...) = 4/3 log 0.9 -> s_b = 0.9**(4/3), s_a = 0.9**(2/3)
    # (rel=1e-5: the loop stops by np.allclose, whose default rtol is 1e-5)
    assert error(impact, "b") == pytest.approx(1 - 0.9 ** (4 / 3), rel=1e-5)  # 0.131060
    assert error(impact, "a") == pytest.approx(1 - 0.9 ** (2 / 3), rel=1e-5)  # 0.067830


def test_cycle_latency_converges_with_rare_calls() -> None:
    services = [Service("a", p50_ms=100, p90_ms=200), Service("b", p50_ms=100, p90_ms=200)]
    calls = [Call("a", "b", per_request=0.05), Call("b", "a", per_request=0.05)]
    impact = run(services, calls, "b:latency=10ms")
    # mean delays around the cycle: d_b = 10 + 0.05 d_a, d_a = 0.05 d_b
    # -> d_b = 10 / (1 - 0.0025) = 10.02506, d_a = 0.05 d_b = 0.50125
    # touched: t_b = 1 (every b request runs the fault), t_a = 1 - (1 - 0.05 * 1) = 0.05
    assert added_p90(impact, "b") == pytest.approx(10 / 0.9975, rel=1e-4)  # 10.02506 / max(1, 0.1)
    assert p50_after(impact, "b") == pytest.approx(100 + 10 / 0.9975, rel=1e-4)  # 110.02506
    # a's p90 moves by d_a / max(0.05, 0.1) = 5.0125, its p50 by d_a / max(0.05, 0.5) = 1.0025
    assert added_p90(impact, "a") == pytest.approx(0.5 / 0.9975 / 0.1, rel=1e-4)
    assert p50_after(impact, "a") == pytest.approx(100 + 0.5 / 0.9975 / 0.5, rel=1e-4)
    assert not any("did not settle" in note for note in impact.assumptions)


def test_cycle_of_one_call_per_request_does_not_settle_and_says_so() -> None:
    calls = [Call("a", "b", per_request=1), Call("b", "a", per_request=1)]
    impact = run([A, B], calls, "b:latency=10ms")
    assert any(
        "the cycle a, b did not settle in 50 rounds in 4 of 4 trials" in note for note in impact.assumptions
    )


def test_cycle_latency_converges_with_calls_below_one_per_request() -> None:
    calls = [Call("a", "b", per_request=0.5), Call("b", "a", per_request=0.5)]
    impact = run([A, B], calls, "b:latency=10ms")
    # each round trip b -> a -> b happens 0.5 * 0.5 = 0.25 times per request:
    # d_b = 10 * (1 + 0.25 + 0.25**2 + ...) = 10 / 0.75 = 13.333; d_a = 0.5 * d_b = 6.667
    # touched: t_b = 1, t_a = 1 - (1 - 0.5 * 1) = 0.5 >= 0.1: a's p90 moves by 6.667 / 0.5 = 13.333
    assert added_p90(impact, "b") == pytest.approx(10 / 0.75, rel=1e-3)
    assert added_p90(impact, "a") == pytest.approx(5 / 0.75 / 0.5, rel=1e-3)


# --- Monte Carlo -------------------------------------------------------------------------------


def test_range_gives_an_interval_and_a_seed_reproduces_it() -> None:
    graph = [A, B], [Call("a", "b", per_request=1)]
    impact = run(*graph, "b:error=0.1..0.3", trials=20_000, seed=7)
    estimate = of(impact, "a").error_rate_after
    # uniform 0.1..0.3: 5th, 50th, 95th percentiles 0.11, 0.20, 0.29
    assert estimate.low < estimate.median < estimate.high
    assert estimate.low == pytest.approx(0.11, abs=0.003)
    assert estimate.median == pytest.approx(0.20, abs=0.003)
    assert estimate.high == pytest.approx(0.29, abs=0.003)
    assert run(*graph, "b:error=0.1..0.3", trials=20_000, seed=7) == impact
    other = run(*graph, "b:error=0.1..0.3", trials=20_000, seed=8)
    assert of(other, "a").error_rate_after != estimate


def test_latency_range_is_log_uniform() -> None:
    impact = run([A, B], [Call("a", "b", per_request=1)], "b:latency=10ms..1000ms", trials=20_000)
    estimate = of(impact, "a").added_p90_ms
    # log-uniform 10..1000: percentile p at 10 * 100**p
    assert estimate.low == pytest.approx(10 * 100**0.05, rel=0.03)  # 12.59
    assert estimate.median == pytest.approx(100.0, rel=0.03)  # 10 * 100**0.5
    assert estimate.high == pytest.approx(10 * 100**0.95, rel=0.03)  # 794.3


def test_fixed_magnitude_gives_a_point_estimate() -> None:
    impact = run([A, B], [Call("a", "b", per_request=1)], "b:error=0.2", trials=1000)
    estimate = of(impact, "a").error_rate_after
    assert estimate.low == estimate.median == estimate.high == pytest.approx(0.2)


@pytest.mark.parametrize("order", ["ascending", "descending", "shuffled"])
def test_quantiles_read_off_sorted_results_equal_numpys(order: str) -> None:
    from preflight.propagation import _estimate

    values = np.random.default_rng(3).lognormal(size=1001)
    values = {"ascending": np.sort(values), "descending": np.sort(values)[::-1], "shuffled": values}[order]
    low, median, high = np.quantile(values, (0.05, 0.5, 0.95))
    estimate = _estimate(values)
    assert (estimate.low, estimate.median, estimate.high) == pytest.approx((low, median, high), rel=1e-12)


def test_sorting_the_first_sampled_magnitude_leaves_the_distribution_alone() -> None:
    # error in a, wrong in b, independent ranges: a's and b's samples stay paired at random
    graph = ([Service("f"), A, B], [Call("f", "a", per_request=1), Call("f", "b", per_request=1)])
    impact = run(*graph, "a:error=0..0.4", "b:wrong=0..0.4", trials=20_000)
    estimate = of(impact, "f").error_rate_after
    # 1 - (1 - X)(1 - Y) with X, Y ~ U(0, 0.4) independent, against an independent sample of it
    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 0.4, 200_000), rng.uniform(0, 0.4, 200_000)
    expected = np.quantile(1 - (1 - x) * (1 - y), (0.05, 0.5, 0.95))
    assert (estimate.low, estimate.median, estimate.high) == pytest.approx(tuple(expected), abs=0.006)


# --- affected thresholds -----------------------------------------------------------------------


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


# --- SLOs --------------------------------------------------------------------------------------


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
    assert predicted.notes == ()


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
    # after: p50 200, p90 300 -> threshold 300 is the new p90: SLI 0.9
    assert predicted.sli_after is not None and predicted.burn_rate is not None
    assert predicted.sli_after.median == pytest.approx(0.9)
    assert predicted.burn_rate.median == pytest.approx(10.0)  # 0.1 / 0.01
    assert predicted.hours_to_exhaust is not None
    assert predicted.hours_to_exhaust.median == pytest.approx(16.8)  # 1.0 * 168 / 10
    assert predicted.critical_path == ("a",)


def test_unknown_budget_gives_none_and_a_note() -> None:
    slos = [slo("a", budget_remaining=None)]
    impact = run([A, B], [Call("a", "b")], "b:error=0.01", slos=slos)
    (predicted,) = impact.slos
    assert predicted.burn_rate is not None
    assert predicted.burn_rate.median == pytest.approx(10.0)  # 0.01 / 0.001
    assert predicted.hours_to_exhaust is None
    assert predicted.breach_probability is None
    assert any("error budget left is unknown" in note for note in predicted.notes)


def test_unknown_service_and_bad_window_are_noted() -> None:
    slos = [slo("ghost"), slo("a", window="monthly")]
    impact = run([A, B], [Call("a", "b")], "b:error=0.01", slos=slos)
    ghost, monthly = impact.slos
    assert ghost.sli_after is None and ghost.notes == ("ghost is not in the service graph",)
    assert monthly.hours_to_exhaust is None
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


# --- specs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("checkout:error=0.1", Fault("checkout", None, "error", 0.1, 0.1, spec="checkout:error=0.1")),
        (
            " checkout:shop.pay.charge:latency=50ms..500ms ",
            Fault(
                "checkout",
                "shop.pay.charge",
                "latency",
                50.0,
                500.0,
                spec="checkout:shop.pay.charge:latency=50ms..500ms",
            ),
        ),
        ("cart:latency=x3", Fault("cart", None, "latency", 3.0, 3.0, True, spec="cart:latency=x3")),
        ("cart:latency=1.5s", Fault("cart", None, "latency", 1500.0, 1500.0, spec="cart:latency=1.5s")),
        ("db:network=200ms", Fault("db", None, "network", 200.0, 200.0, spec="db:network=200ms")),
        ("api:cpu=x2..x4", Fault("api", None, "cpu", 2.0, 4.0, True, spec="api:cpu=x2..x4")),
        ("api:wrong=0..1", Fault("api", None, "wrong", 0.0, 1.0, spec="api:wrong=0..1")),
    ],
)
def test_parse_valid_specs(spec: str, expected: Fault) -> None:
    assert parse(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("checkout:boom=1", "unknown kind 'boom'; use one of error, wrong, latency, network, cpu"),
        ("checkout:error=1.5", "error takes a fraction of executions, 0 to 1"),
        ("checkout:wrong=lots", "wrong takes a fraction of executions, 0 to 1"),
        ("checkout:latency=5min", "latency takes 200ms, 1.5s or x2"),
        ("checkout:network=x2", "network takes 200ms or 1.5s"),
        ("checkout:cpu=200ms", "cpu takes x2"),
        ("checkout:error=0.5..0.1", "the range goes down; write LOW..HIGH"),
        ("checkout:latency=500ms..50ms", "the range goes down"),
        ("checkout:latency=x2..500ms", "both ends of a range must be ratios"),
        ("checkout:cpu=x0.5", "a cpu ratio is at least x1"),
        ("checkout:latency=0ms", "a duration must be above 0"),
        ("checkout-error-0.1", "expected SERVICE[:FUNCTION]:KIND=VALUE"),
        ("error=0.1", "expected SERVICE[:FUNCTION]:KIND=VALUE"),
    ],
)
def test_parse_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(spec)
    assert message in str(caught.value)
    assert repr(spec) in str(caught.value)


def test_unknown_service_in_an_injection() -> None:
    with pytest.raises(InputError, match=r"no service 'nope' in the graph \(known: a, b\)"):
        run([A, B], [Call("a", "b")], "nope:error=0.1")


# --- read_csv ----------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "graph.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_csv_builds_the_graph(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "caller,callee,calls_per_s,p50_ms,p90_ms,mode,timeout_ms,retries,fallback\n"
        ",front,10,100,300,,,,\n"
        "front,b,20,5,15,parallel,50,2,yes\n",
    )
    graph = read_csv(path)
    assert graph.service("front").requests_per_s == 10
    assert graph.service("front").p50_ms == 100
    assert graph.service("b").requests_per_s == 20
    (call,) = graph.calls()
    assert call == Call("front", "b", 2.0, 5.0, 15.0, PARALLEL, 50.0, 2, True)  # 20 / 10 = 2 per request


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("caller,callee\na,b\n", "{path}: missing column(s) calls_per_s"),
        ("caller,callee,calls_per_s\na,b,1\nb,c,lots\n", "{path}:3: calls_per_s 'lots' is not a number"),
        (
            "caller,callee,calls_per_s,mode\na,b,1,serial\n",
            "{path}:2: mode 'serial' is not sequential or parallel",
        ),
        ("caller,callee,calls_per_s\na,b,-1\n", "{path}:2: calls_per_s '-1' must be a finite number >= 0"),
        ("caller,callee,calls_per_s,retries\na,b,1,1.5\n", "{path}:2: retries 1.5 is not a whole number"),
        (
            "caller,callee,calls_per_s,fallback\na,b,1,maybe\n",
            "{path}:2: fallback 'maybe' is not true or false",
        ),
        ("caller,callee,calls_per_s\na,,1\n", "{path}:2: empty callee"),
        ("caller,callee,calls_per_s,weight\na,b,1,2\n", "{path}: unknown column(s) weight"),
        ("caller,callee,calls_per_s\n", "{path}: no edges"),
    ],
)
def test_read_csv_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        read_csv(path)
    assert message.format(path=path) in str(caught.value)


# --- chunks of trials --------------------------------------------------------------------------


def _chunk_graph() -> ServiceGraph:
    services = [Service("f", p50_ms=80, p90_ms=200), Service("a", p50_ms=30, p90_ms=90), B, C, D]
    calls = [
        Call("f", "a", per_request=1, timeout_ms=400, p50_ms=40, p90_ms=120),
        Call("a", "b", per_request=0.3, retries=2),
        Call("a", "c", per_request=1, mode=PARALLEL),
        Call("a", "d", per_request=2, mode=PARALLEL),
        Call("f", "b", per_request=0.05),
        Call("b", "c", per_request=0.5),
    ]
    return ServiceGraph(services, calls)


def test_chunks_of_trials_on_threads_give_the_numbers_of_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    faults = [parse("c:latency=5ms..300ms"), parse("b:error=0.01..0.5")]
    trials = 2 * engine.CHUNK_TRIALS + 123  # three chunks, the last one short
    chunked = engine.propagate(_chunk_graph(), faults, trials, seed=5)
    monkeypatch.setattr(engine, "CHUNK_TRIALS", trials)
    whole = engine.propagate(_chunk_graph(), faults, trials, seed=5)
    assert chunked.names == whole.names
    for name in ("error", "wrong", "network", "load"):
        assert np.array_equal(getattr(chunked, name), getattr(whole, name)), name
    for q in engine.QUANTILES:
        assert np.array_equal(chunked.delay[q], whole.delay[q])
    assert chunked.delay[0.9].any() and (chunked.load != 1).any()  # the faults did reach f


def test_one_core_gives_the_numbers_of_many(monkeypatch: pytest.MonkeyPatch) -> None:
    faults = [parse("c:latency=5ms..300ms")]
    many = simulate(_chunk_graph(), faults, trials=3 * engine.CHUNK_TRIALS, seed=2)
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 1)
    assert simulate(_chunk_graph(), faults, trials=3 * engine.CHUNK_TRIALS, seed=2) == many


def test_normal_cdf_matches_the_error_function() -> None:
    import math

    import numpy as np

    from preflight.propagation.graph import normal_cdf

    x = np.linspace(-9, 9, 3601)
    exact = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    found = normal_cdf(x)
    assert np.max(np.abs(found - exact)) < 1e-7
    lower = x < 0
    assert np.max(np.abs(found[lower] - exact[lower]) / exact[lower]) < 2e-7  # tails stay relative-accurate
    assert float(normal_cdf(1.6448536)) == pytest.approx(0.95, abs=1e-7)


def test_sparse_rows_multiply_like_a_dense_matrix_and_add_duplicates() -> None:
    import numpy as np

    from preflight.propagation.engine import SparseRows

    rng = np.random.default_rng(7)
    at, to = [3, 0, 3, 5, 3], [1, 2, 1, 0, 4]  # (3, 1) twice; rows 1, 2, 4 have no entries
    values = [0.5, 2.0, 1.5, 1.0, 3.0]
    dense = np.zeros((6, 5))
    for a, b, v in zip(at, to, values, strict=True):
        dense[a, b] += v
    x = rng.random((5, 4))
    assert np.allclose(SparseRows(values, at, to, (6, 5)) @ x, dense @ x, rtol=0, atol=1e-12)

"""propagation/engine.py: errors, latency percentiles, fail fast and cycles through the call graph,
on tiny graphs, every expected number worked out by hand; chunks of trials."""

from __future__ import annotations

import math

import numpy as np
import pytest

from preflight.models import Call, Service
from preflight.propagation import engine, parse, simulate
from preflight.propagation.graph import PARALLEL, ServiceGraph
from tests.propagation.graphs import (
    A,
    B,
    C,
    D,
    added_p90,
    error,
    mixture_quantile,
    of,
    p50_after,
    p90_after,
    run,
    slo,
)

# --- errors --------------------------------------------------------------------------------


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


# --- latency -------------------------------------------------------------------------------


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


def test_a_call_in_5_percent_of_requests_moves_the_percentiles_of_their_mixture() -> None:
    services = [Service("a", p50_ms=100, p90_ms=300), B]
    impact = run(services, [Call("a", "b", per_request=0.05)], "b:latency=100ms")
    # 5% of a's requests take X + 100, the rest X (X lognormal through 100 / 300)
    parts = [(0.95, 1.0, 0.0), (0.05, 1.0, 100.0)]
    assert added_p90(impact, "a") == pytest.approx(
        mixture_quantile(0.9, 100, 300, parts) - 300, abs=0.5
    )  # 7.7
    assert p50_after(impact, "a") == pytest.approx(mixture_quantile(0.5, 100, 300, parts), abs=0.5)  # 105.8


def test_a_call_in_20_percent_of_requests_moves_the_p90_by_less_than_the_delay() -> None:
    services = [Service("a", p50_ms=100, p90_ms=300), B]
    impact = run(services, [Call("a", "b", per_request=0.2)], "b:latency=100ms")
    parts = [(0.8, 1.0, 0.0), (0.2, 1.0, 100.0)]
    assert added_p90(impact, "a") == pytest.approx(
        mixture_quantile(0.9, 100, 300, parts) - 300, abs=0.5
    )  # 28.0
    assert p50_after(impact, "a") == pytest.approx(mixture_quantile(0.5, 100, 300, parts), abs=0.5)  # 126.9


def test_rare_calls_along_a_chain_touch_the_product_of_their_shares() -> None:
    # f -> m -> leaf, 0.1 calls per request each: 1% of f's requests reach the leaf
    services = [Service("f", p50_ms=100, p90_ms=300), Service("m", p50_ms=50, p90_ms=100), B]
    calls = [Call("f", "m", per_request=0.1), Call("m", "b", per_request=0.1)]
    impact = run(services, calls, "b:latency=100ms")
    m_parts = [(0.9, 1.0, 0.0), (0.1, 1.0, 100.0)]
    assert added_p90(impact, "m") == pytest.approx(mixture_quantile(0.9, 50, 100, m_parts) - 100, abs=0.5)
    f_parts = [(0.99, 1.0, 0.0), (0.01, 1.0, 100.0)]
    assert added_p90(impact, "f") == pytest.approx(mixture_quantile(0.9, 100, 300, f_parts) - 300, abs=0.5)
    assert p50_after(impact, "f") == pytest.approx(mixture_quantile(0.5, 100, 300, f_parts), abs=0.5)


def test_calls_made_n_times_per_request_add_n_means_and_sqrt_n_deviations() -> None:
    # a makes 2.5 calls to b per request; b's fault runs in 20% of b's requests (+40 ms)
    services = [Service("a", p50_ms=100, p90_ms=200), B]
    fault = parse("b:pkg.fn:latency=40ms").with_share(0.2)
    impact = run(services, [Call("a", "b", per_request=2.5)], fault)
    # one call of b adds S: 0 (80%) or 40 (20%), mean 8; 2.5 calls: 2.5 * 8 + sqrt(2.5) (S - 8)
    low, high = 20 - math.sqrt(2.5) * 8, 20 + math.sqrt(2.5) * 32  # 7.35, 70.60
    parts = [(0.8, 1.0, low), (0.2, 1.0, high)]
    assert added_p90(impact, "a") == pytest.approx(mixture_quantile(0.9, 100, 200, parts) - 200, abs=0.5)
    assert p50_after(impact, "a") == pytest.approx(mixture_quantile(0.5, 100, 200, parts), abs=0.5)


def test_sequential_calls_of_a_scaled_callee_add_less_than_their_p90s() -> None:
    # b is 3x slower (every request): its requests add 2 Y (Y lognormal 10 / 30); a calls it once
    services = [Service("a", p50_ms=100, p90_ms=200), Service("b", p50_ms=10, p90_ms=30)]
    impact = run(services, [Call("a", "b", per_request=1)], "b:latency=x3")
    assert added_p90(impact, "b") == pytest.approx(60.0, rel=2e-3)  # (3 - 1) * 30
    # a's p90 grows by less than b's (its own spread and b's are independent): not +60
    assert 0 < added_p90(impact, "a") < 60.0


def test_parallel_branch_slower_than_the_others_adds_only_what_it_overtakes() -> None:
    # a waits for the slowest of three parallel calls of fixed length 100, 300 and 250 ms
    calls = [
        Call("a", "b", per_request=1, mode=PARALLEL, p50_ms=100, p90_ms=100),
        Call("a", "c", per_request=1, mode=PARALLEL, p50_ms=300, p90_ms=300),
        Call("a", "d", per_request=1, mode=PARALLEL, p50_ms=250, p90_ms=250),
    ]
    hidden = run([A, B, C, D], calls, "b:latency=150ms")
    assert added_p90(hidden, "a") == 0.0  # max(250, 300, 250) - 300: still waiting for c
    showing = run([A, B, C, D], calls, "b:latency=250ms")
    assert added_p90(showing, "a") == pytest.approx(50.0)  # max(350, 300, 250) - 300


def test_parallel_maximum_of_a_distribution_and_a_fixed_branch() -> None:
    # b takes Y (lognormal 100 / 300), c always 400; +200 ms on b: the added time is
    # max(Y + 200, 400) - max(Y, 400) = clip(Y - 200, 0, 200), increasing in Y, so its
    # percentiles are those of Y moved through it: p90 clip(300 - 200) = 100, p50 0
    calls = [
        Call("a", "b", per_request=1, mode=PARALLEL, p50_ms=100, p90_ms=300),
        Call("a", "c", per_request=1, mode=PARALLEL, p50_ms=400, p90_ms=400),
    ]
    impact = run([A, B, C], calls, "b:latency=200ms")
    assert added_p90(impact, "a") == pytest.approx(100.0, abs=0.5)
    assert of(impact, "a").added_p90_ms.median < 200  # the old rule passed the full 200 ms up


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


# --- fail fast -----------------------------------------------------------------------------


def test_fail_fast_caller_gets_faster_while_its_errors_rise() -> None:
    services = [Service("a", p50_ms=100, p90_ms=200), B]
    impact = run(services, [Call("a", "b", per_request=1)], "b:error=0.2")
    assert engine.ABORT_FRACTION == 0.5
    assert error(impact, "a") == pytest.approx(0.2)
    # 20% of a's requests fail and stop half-way: X / 2; the rest take X (lognormal 100 / 200)
    parts = [(0.8, 1.0, 0.0), (0.2, 0.5, 0.0)]
    assert p90_after(impact, "a") == pytest.approx(mixture_quantile(0.9, 100, 200, parts), abs=0.5)  # 187.2
    assert p50_after(impact, "a") == pytest.approx(mixture_quantile(0.5, 100, 200, parts), abs=0.5)  # 88.6


# --- cycles --------------------------------------------------------------------------------


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
    # inside a cycle a call adds n times the callee's mean: d_b = 10 + 0.05 d_a, d_a = 0.05 d_b
    # -> d_b = 10 / (1 - 0.0025) = 10.02506, d_a = 0.05 d_b = 0.50125, on every request
    assert added_p90(impact, "b") == pytest.approx(10 / 0.9975, rel=1e-4)
    assert p50_after(impact, "b") == pytest.approx(100 + 10 / 0.9975, rel=1e-4)  # 110.02506
    assert added_p90(impact, "a") == pytest.approx(0.5 / 0.9975, rel=1e-4)
    assert p50_after(impact, "a") == pytest.approx(100 + 0.5 / 0.9975, rel=1e-4)
    assert not any("did not settle" in note for note in impact.assumptions)


def test_cycle_of_one_call_per_request_does_not_settle_and_says_so() -> None:
    calls = [Call("a", "b", per_request=1), Call("b", "a", per_request=1)]
    impact = run([A, B], calls, "b:latency=10ms")
    assert any(
        "the cycle a, b did not settle in 50 rounds in 1 of 1 scenarios" in note
        for note in impact.assumptions
    )


def test_cycle_latency_converges_with_calls_below_one_per_request() -> None:
    calls = [Call("a", "b", per_request=0.5), Call("b", "a", per_request=0.5)]
    impact = run([A, B], calls, "b:latency=10ms")
    # each round trip b -> a -> b happens 0.5 * 0.5 = 0.25 times per request:
    # d_b = 10 * (1 + 0.25 + 0.25**2 + ...) = 10 / 0.75 = 13.333; d_a = 0.5 * d_b = 6.667 (means:
    # inside a cycle a call adds n times its callee's mean)
    assert added_p90(impact, "b") == pytest.approx(10 / 0.75, rel=1e-3)
    assert added_p90(impact, "a") == pytest.approx(5 / 0.75, rel=1e-3)


# --- chunks of trials ----------------------------------------------------------------------


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
    monkeypatch.setattr("preflight.propagation.engine.os.cpu_count", lambda: 1)
    assert simulate(_chunk_graph(), faults, trials=3 * engine.CHUNK_TRIALS, seed=2) == many

"""propagation/calls.py: fallbacks, wrong values, retries and timeouts on the way through a call,
on tiny graphs, every expected number worked out by hand."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from preflight.models import Call, Service
from preflight.propagation.graph import Z90
from tests.propagation.graphs import (
    A,
    B,
    added_p90,
    error,
    mixture_quantile,
    of,
    p50_after,
    phi,
    run,
)

# --- fallback / wrong ----------------------------------------------------------------------


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


# --- retries -------------------------------------------------------------------------------


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
    # expected extra attempts 0.5 + 0.25 = 0.75, each 20 ms -> +15 ms on every request;
    # fail fast: a's error 0.125 -> 12.5% of its requests stop half-way: 0.5 X + 15, else X + 15
    parts = [(0.875, 1.0, 15.0), (0.125, 0.5, 15.0)]
    p90 = mixture_quantile(0.9, 40, 100, parts)  # 110.34
    assert added_p90(impact, "a") == pytest.approx(p90 - 100, abs=0.5)  # ~ 10.3
    assert p50_after(impact, "a") == pytest.approx(mixture_quantile(0.5, 40, 100, parts), abs=0.5)  # ~ 52.0


def test_retried_attempts_take_the_added_latency_too() -> None:
    services = [Service("a", p50_ms=40, p90_ms=100), B]
    calls = [Call("a", "b", per_request=1, p50_ms=20, retries=2)]
    impact = run(services, calls, "b:error=0.5", "b:latency=10ms")
    # 10 + 0.75 * (20 + 10) = 32.5 ms more per request; 12.5% stop half-way (fail fast)
    parts = [(0.875, 1.0, 32.5), (0.125, 0.5, 32.5)]
    assert added_p90(impact, "a") == pytest.approx(mixture_quantile(0.9, 40, 100, parts) - 100, abs=0.5)


# --- timeouts ------------------------------------------------------------------------------


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
    # a call takes Y (lognormal 50 / 100) + 150, capped at 200: the delay is
    # D(Y) = min(Y + 150, 200) - min(Y, 200) = 150 for Y <= 50, 200 - Y up to 200, 0 beyond;
    # a request of a takes X + D(Y) (X lognormal 100 / 200), or half of X plus D(Y) when it
    # fails (49.5% of them). Its CDF, integrated over Y on 4,000 stratified points:
    unit = NormalDist()
    ys = [50 * math.exp(math.log(2) / Z90 * unit.inv_cdf((i + 0.5) / 4000)) for i in range(4000)]
    delays = [min(y + 150, 200) - min(y, 200) for y in ys]
    sigma = math.log(2) / Z90

    def cdf(x: float) -> float:
        def below(scale: float) -> float:
            return sum(phi(math.log((x - d) / scale / 100) / sigma) for d in delays if x > d) / len(delays)

        return (1 - failed) * below(1.0) + failed * below(0.5)

    def quantile(q: float) -> float:
        low, high = 0.0, 5000.0
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if cdf(middle) < q else (low, middle)
        return low

    assert added_p90(impact, "a") == pytest.approx(quantile(0.9) - 200, abs=1.0)
    assert p50_after(impact, "a") == pytest.approx(quantile(0.5), abs=1.0)

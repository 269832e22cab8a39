"""propagation/faults.py: --inject specs, and the ranges they sample (uniform fractions, log-
uniform latencies)."""

from __future__ import annotations

import pytest

from preflight.errors import InputError
from preflight.models import Call
from preflight.propagation import parse
from preflight.propagation.faults import Fault
from tests.propagation.graphs import (
    A,
    B,
    of,
    run,
)

# --- Monte Carlo ---------------------------------------------------------------------------


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


# --- specs ---------------------------------------------------------------------------------


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
        ("db:network=x3", Fault("db", None, "network", 3.0, 3.0, True, spec="db:network=x3")),
        ("db:error=measured", Fault("db", None, "error", 0.0, 0.0, spec="db:error=measured", measured=True)),
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
        ("checkout:network=lots", "network takes 200ms, 1.5s or x3"),
        ("checkout:latency=measured", "only error and wrong can be measured"),
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

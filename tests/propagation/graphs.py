"""Tiny service graphs run through simulate, and readers of their results: shared by the
propagation tests."""

from __future__ import annotations

import math
from collections.abc import Sequence

from preflight.models import Call, Impact, Service, ServiceImpact, SloStatus
from preflight.propagation import parse, simulate
from preflight.propagation.faults import Fault
from preflight.propagation.graph import ServiceGraph

TRIALS = 10_000


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


def mixture_quantile(q: float, p50: float, p90: float, parts: Sequence[tuple[float, float, float]]) -> float:
    """The q-quantile of a latency that is scale * X + shift with probability weight, for each
    (weight, scale, shift) part, X the lognormal through p50 and p90 (bisection on the CDF)."""
    sigma = math.log(p90 / p50) / 1.2815516

    def cdf(x: float) -> float:
        total = 0.0
        for weight, scale, shift in parts:
            y = (x - shift) / scale
            total += weight * (phi(math.log(y / p50) / sigma) if y > 0 else 0.0)
        return total

    low, high = 0.0, 1e9
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) < q else (low, middle)
    return low

"""exposure/services.py: the measured service graph from a snapshot's edges and endpoints tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from preflight.exposure.services import Z95, Z99, measure, p90_from
from preflight.models import Call, Service


def test_p90_lies_on_the_lognormal_through_the_median_and_the_upper_percentile() -> None:
    p90 = p90_from(10.0, 100.0, Z99)
    assert p90 is not None and 10.0 < p90 < 100.0
    assert math.log(p90 / 10.0) / math.log(100.0 / 10.0) == pytest.approx(1.2815516 / Z99)
    assert p90_from(None, 100.0, Z95) is None and p90_from(10.0, None, Z95) is None
    assert p90_from(10.0, 8.0, Z95) == 10.0  # an upper percentile below the median: no spread
    assert p90_from(0.0, 5.0, Z95) == 5.0


def test_measure_weights_endpoints_by_requests_and_orders_the_graph() -> None:
    endpoints = pd.DataFrame(
        [
            {"service": "web", "requests_per_min": 300.0, "p50_ms": 10.0, "p95_ms": 10.0, "error_rate": 0.0},
            {"service": "web", "requests_per_min": 100.0, "p50_ms": 50.0, "p95_ms": 50.0, "error_rate": 0.04},
            {"service": "cart", "requests_per_min": None, "p50_ms": None, "p95_ms": None, "error_rate": None},
            {"service": None, "requests_per_min": 5.0, "p50_ms": 1.0, "p95_ms": 1.0, "error_rate": 0.0},
        ]
    )
    edges = pd.DataFrame(
        [
            {"caller_service": "web", "callee_service": "cart", "calls_per_caller_request": 1.5,
             "p50_ms": 4.0, "p99_ms": 4.0},
            {"caller_service": "web", "callee_service": "cart", "calls_per_caller_request": 0.5,
             "p50_ms": None, "p99_ms": None},
            {"caller_service": "cart", "callee_service": "db", "calls_per_caller_request": None,
             "p50_ms": None, "p99_ms": None},
            {"caller_service": None, "callee_service": "db", "calls_per_caller_request": 1.0,
             "p50_ms": None, "p99_ms": None},
        ]
    )  # fmt: skip
    services, calls = measure(edges, endpoints)
    assert services == (
        Service("cart"),
        Service("web", requests_per_s=400.0 / 60, p50_ms=20.0, p90_ms=20.0, error_rate=0.01),
        Service("db"),  # a callee without endpoints, after the services that have them
    )
    assert calls == (
        Call("cart", "db", per_request=None),
        Call("web", "cart", per_request=2.0, p50_ms=4.0, p90_ms=4.0),
    )

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


def test_measure_keeps_routes_hosts_and_calls_per_route() -> None:
    from preflight.models import Route

    endpoints = pd.DataFrame(
        [
            {"service": "web", "route": "GET /", "requests_per_min": 540.0, "p50_ms": 10.0, "p95_ms": 10.0,
             "error_rate": 0.0},
            {"service": "web", "route": "POST /checkout", "requests_per_min": 60.0, "p50_ms": 200.0,
             "p95_ms": 200.0, "error_rate": 0.1},
            {"service": "pay", "route": "Pay/Charge", "requests_per_min": 60.0, "p50_ms": 50.0, "p95_ms": 50.0,
             "error_rate": 0.0},
        ]
    )  # fmt: skip
    edges = pd.DataFrame(
        [
            # web's checkout route calls pay once per request (60/min of its 60/min), 1 ms on the wire;
            # the home page 54 times a minute (0.1 per request), 3 ms; one call in ten fails
            {"caller_service": "web", "callee_service": "pay", "caller_route": "POST /checkout",
             "callee_route": "Pay/Charge", "calls": 600, "calls_per_min": 60.0, "calls_per_caller_request": 0.1,
             "p50_ms": 40.0, "p99_ms": 40.0, "network_p50_ms": 1.0, "error_rate": 0.1},
            {"caller_service": "web", "callee_service": "pay", "caller_route": "GET /",
             "callee_route": "Pay/Charge", "calls": 540, "calls_per_min": 54.0, "calls_per_caller_request": 0.09,
             "p50_ms": 40.0, "p99_ms": 40.0, "network_p50_ms": 3.0, "error_rate": 0.1},
        ]
    )  # fmt: skip
    services, calls = measure(edges, endpoints, {"web": ["node-a"], "pay": ["node-a", "node-b"]})
    web = next(s for s in services if s.name == "web")
    assert web.routes == (
        Route("GET /", requests_per_s=9.0, p50_ms=10.0, p90_ms=10.0, error_rate=0.0),
        Route("POST /checkout", requests_per_s=1.0, p50_ms=200.0, p90_ms=200.0, error_rate=0.1),
    )
    assert web.hosts == ("node-a",)
    pay = next(s for s in services if s.name == "pay")
    assert pay.routes == () and pay.hosts == ("node-a", "node-b")  # one endpoint: the service itself
    (call,) = calls
    assert call.per_request == pytest.approx(0.19)
    assert call.wire_ms == pytest.approx((600 * 1.0 + 540 * 3.0) / 1140)  # call-weighted: 1.947
    assert call.error_rate == pytest.approx(0.1)
    assert [(r.caller_route, r.callee_route) for r in call.routes] == [
        ("GET /", "Pay/Charge"),
        ("POST /checkout", "Pay/Charge"),
    ]
    # 54/min of 540/min, 60/min of 60/min
    assert [r.per_request for r in call.routes] == pytest.approx([0.1, 1.0])

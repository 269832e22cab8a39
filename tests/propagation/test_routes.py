"""propagation/routes.py: per-route propagation, every expected number worked out by hand."""

from __future__ import annotations

import pytest

from preflight.models import Call, Route, RouteCall, Service
from preflight.propagation import parse
from preflight.propagation.routes import expand
from tests.propagation.graphs import added_p90, of, run, slo

# the front end: 80% of its requests are GET / (always 100 ms), 20% POST /checkout (always 500 ms);
# only the checkout route calls checkout, once per request
FRONT = Service(
    "front",
    requests_per_s=10,
    p50_ms=180,
    p90_ms=500,
    routes=(
        Route("GET /", requests_per_s=8, p50_ms=100, p90_ms=100),
        Route("POST /checkout", requests_per_s=2, p50_ms=500, p90_ms=500),
    ),
)
ROUTED = Call("front", "checkout", per_request=0.2, routes=(RouteCall("POST /checkout", None, 1.0),))


def test_a_fault_reaches_only_the_routes_that_call_it() -> None:
    impact = run([FRONT, Service("checkout")], [ROUTED], "checkout:latency=300ms")
    # requests: 80% at 100 ms, 20% at 500 + 300 = 800 ms: the p90 (before 500) is now 800
    assert added_p90(impact, "front") == pytest.approx(300.0)
    assert "per route: front" in " ".join(impact.assumptions)
    assert "service-level (fewer than two routes with a rate): checkout" in impact.assumptions


def test_the_same_call_without_route_data_spreads_over_every_request() -> None:
    flat = Call("front", "checkout", per_request=0.2)
    impact = run([FRONT, Service("checkout")], [flat], "checkout:latency=300ms")
    # 20% of every route's requests make the call: GET / 100 -> 400 for 16% of all requests,
    # POST /checkout 500 -> 800 for 4%: the top 10% are 4% at 800 and 6% of the 16% at 400 ...
    # ... so the p90 is 500 (the checkout route's own 16% untouched requests span p80-p96)
    assert added_p90(impact, "front") == pytest.approx(0.0)
    assert any("no route data for 1 call(s) (front->checkout)" in note for note in impact.assumptions)


def test_a_route_level_slo_is_judged_on_its_route() -> None:
    home = slo("front", indicator="latency", threshold_ms=300, objective=0.9, route="GET /")
    pay = slo("front", indicator="latency", threshold_ms=600, objective=0.9, route="POST /checkout")
    impact = run([FRONT, Service("checkout")], [ROUTED], "checkout:latency=300ms", slos=[home, pay])
    home_impact, pay_impact = impact.slos
    assert home_impact.sli_after is not None and home_impact.sli_after.median == pytest.approx(1.0)
    # the checkout route: every request 800 ms > 600: none under the threshold
    assert pay_impact.sli_after is not None and pay_impact.sli_after.median == pytest.approx(0.0)


def test_a_function_that_runs_in_one_route_is_injected_there_only() -> None:
    fault = parse("front:shop.pay:latency=1000ms")
    only_checkout = fault.__class__(
        **{**{f: getattr(fault, f) for f in fault.__slots__}, "routes": (("POST /checkout", 1.0),)}
    )
    impact = run([FRONT, Service("checkout")], [ROUTED], only_checkout)
    assert added_p90(impact, "front") == pytest.approx(1000.0)  # the slow 20%: 500 + 1000
    home_only = fault.__class__(
        **{**{f: getattr(fault, f) for f in fault.__slots__}, "routes": (("GET /", 1.0),)}
    )
    impact = run([FRONT, Service("checkout")], [ROUTED], home_only)
    # 80% at 1100, 20% at 500: the p90 is 1100
    assert added_p90(impact, "front") == pytest.approx(600.0)


def test_expand_splits_only_services_with_two_routes_and_their_rates() -> None:
    from preflight.propagation.graph import ServiceGraph

    one = Service("solo", requests_per_s=1, routes=(Route("GET /", requests_per_s=1),))
    unknown = Service("blind", routes=(Route("A"), Route("B", requests_per_s=1)))
    assert expand(ServiceGraph([one, unknown], [])) is None
    routed = expand(ServiceGraph([FRONT, Service("checkout")], [ROUTED]))
    assert routed is not None
    assert routed.groups == {"front": (("front GET /", 0.8), ("front POST /checkout", 0.2))}
    (call,) = routed.graph.calls()
    assert (call.caller, call.callee, call.per_request) == ("front POST /checkout", "checkout", 1.0)
    assert of(
        run([FRONT, Service("checkout")], [ROUTED], "checkout:error=0.5"), "front"
    ).error_rate_after.median == (
        pytest.approx(0.1)  # 20% of requests call it, half of those fail
    )


def _many_routes(service: str, count: int) -> Service:
    return Service(
        service,
        requests_per_s=count,
        routes=tuple(
            Route(f"GET /{service}/{i}", requests_per_s=1, p50_ms=10, p90_ms=20) for i in range(count)
        ),
    )


def test_counting_the_route_calls_matches_making_them() -> None:
    from preflight.propagation.graph import ServiceGraph
    from preflight.propagation.routes import _count, _split

    services = [FRONT, _many_routes("checkout", 3), Service("db")]
    calls = [
        ROUTED,  # caller route known, callee route unknown: every checkout route
        Call("front", "checkout", per_request=0.5),  # no route data: every route into every route
        Call("checkout", "db", per_request=2),  # a split caller into a whole service
        Call(
            "front", "db", per_request=1, routes=(RouteCall(None, None, 1.0), RouteCall("GET /", None, 2.0))
        ),
        Call("db", "checkout", per_request=1, routes=(RouteCall(None, "GET /checkout/1", 1.0),)),
    ]
    graph = ServiceGraph(services, calls)
    routed = expand(graph)
    assert routed is not None and routed.groups
    for call in calls:
        assert _count(call, routed.groups, routed.nodes) == len(_split(call, routed.groups, routed.nodes)), (
            call
        )


def test_a_split_that_would_make_too_many_route_calls_stays_service_level() -> None:
    many = [_many_routes("a", 300), _many_routes("b", 300)]
    impact = run(many, [Call("a", "b", per_request=1)], "b:latency=100ms")  # 300 x 300 = 90,000
    assert any(
        "service-level: split by route, the calls would make 90,000 calls between routes" in note
        for note in impact.assumptions
    )
    assert added_p90(impact, "a") == pytest.approx(100.0)

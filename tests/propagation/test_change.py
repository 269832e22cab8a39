"""A diff's failure modes: where each changed function is injected, and with what share."""

from __future__ import annotations

from preflight.models import Call, Exposure, FunctionExposure, InferredTraffic, RuntimeStats, Service
from preflight.propagation import change
from preflight.propagation.graph import ServiceGraph
from tests.exposure.helpers import fn

GRAPH = ServiceGraph(
    [Service("frontend", requests_per_s=10.0), Service("ad", requests_per_s=1.0)],
    [Call("frontend", "ad", per_request=0.1, fallback=True)],
)


def inferred(service: str | None, calls: float) -> InferredTraffic:
    return InferredTraffic(calls, "medium", (("shop.ad.get_ads", calls),), 0, service)


def test_a_function_known_only_from_its_callers_fails_where_its_busiest_caller_runs() -> None:
    item = FunctionExposure(fn("shop.ad.pick"), inferred=inferred("ad", 30.0))
    faults, notes = change.faults(Exposure((item,), "snap"), GRAPH)
    assert {f.service for f in faults} == {"ad"}
    assert {f.share for f in faults} == {0.5}  # 30 calls/min of the 60 requests/min ad serves
    assert notes == ["shop.ad.pick: no runtime data of its own; from its callers' traffic it runs in ad, "
                     "in about 50% of its requests"]  # fmt: skip


def test_more_inferred_calls_than_requests_count_as_every_request() -> None:
    item = FunctionExposure(fn("shop.ad.pick"), inferred=inferred("ad", 600.0))
    faults, _ = change.faults(Exposure((item,), "snap"), GRAPH)
    assert {f.share for f in faults} == {1.0}


def test_without_a_service_for_its_callers_nothing_is_injected() -> None:
    items = (
        FunctionExposure(fn("shop.ad.pick"), inferred=inferred(None, 30.0)),
        FunctionExposure(fn("shop.new.thing")),
        FunctionExposure(fn("shop.ad.pick"), inferred=inferred("billing", 30.0)),  # not in the graph
    )
    assert change.faults(Exposure(items, "snap"), GRAPH) == ([], [])


def test_measured_traffic_wins_over_inferred() -> None:
    item = FunctionExposure(
        fn("shop.ad.get_ads"),
        RuntimeStats(6.0, service="frontend", share_of_service=0.01),
        inferred=inferred("ad", 30.0),
    )
    faults, notes = change.faults(Exposure((item,), "snap"), GRAPH)
    assert {(f.service, f.share) for f in faults} == {("frontend", 0.01)} and notes == []


def test_a_function_run_several_times_per_request_is_injected_that_many_times() -> None:
    item = FunctionExposure(
        fn("shop.money.from_float"), RuntimeStats(180.0, service="ad", share_of_service=1.0)
    )
    faults, notes = change.faults(Exposure((item,), "snap"), GRAPH)
    assert {(f.share, f.executions) for f in faults} == {(1.0, 3.0)}  # 180 calls over 60 requests/min
    assert notes == [
        "shop.money.from_float: runs about 3.0 times per ad request: errors compound, delays add"
    ]


def test_a_function_run_by_some_routes_is_injected_at_those_routes() -> None:
    from preflight.models import Route

    front = Service(
        "frontend",
        requests_per_s=10.0,
        routes=(Route("GET /", requests_per_s=1.0), Route("GET /product", requests_per_s=9.0)),
    )
    graph = ServiceGraph([front], [])
    stats = RuntimeStats(calls_per_min=30.0, service="frontend", endpoints=("GET /",))
    faults, _ = change.faults(Exposure((FunctionExposure(fn("shop.home.render"), stats),), "snap"), graph)
    # 30 calls/min = 0.5/s over the home route's 1 request/s: half of its requests run it
    assert {f.routes for f in faults} == {(("GET /", 0.5),)}
    assert {f.share for f in faults} == {0.05}  # of the whole service: 0.5/s of 10/s

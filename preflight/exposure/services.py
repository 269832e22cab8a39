"""The service graph a runtime snapshot measured, from its edges and endpoints tables (pandas).

The snapshot keeps DataFrames; the propagation stage takes `Service` and `Call` values
(preflight.models), so the conversion lives here, where pandas already is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from preflight.models import Call, Route, RouteCall, Service

Z90, Z95, Z99 = 1.2815516, 1.6448536, 2.3263479
"""Standard normal quantiles of the 90th, 95th and 99th percentiles."""


def measure(
    edges: pd.DataFrame, endpoints: pd.DataFrame, hosts: Mapping[str, Sequence[str]] | None = None
) -> tuple[tuple[Service, ...], tuple[Call, ...]]:
    """The services and calls a snapshot measured: edges per minute, services' requests from endpoints.

    A service's latency and error rate are its endpoints' request-weighted ones; a service with
    two endpoints or more keeps each (Service.routes), and its calls per caller and callee route
    (Call.routes: calls per request of the caller route). The snapshot keeps p95 (endpoints)
    and p99 (edges); the p90 is read off a lognormal through the p50 and that percentile. A
    call's latency, wire time and error rate are its rows' call-weighted ones. hosts: where each
    service runs (meta.json). In graph order: services first (then callees without endpoints),
    calls grouped by caller in that order.
    """
    where = hosts or {}
    services = [
        _service(str(name), rows, tuple(where.get(str(name), ())))
        for name, rows in endpoints.dropna(subset=["service"]).groupby("service")
    ]
    served = {
        (s.name, route.name): route.requests_per_s
        for s in services
        for route in s.routes
        if route.requests_per_s
    }
    calls = []
    grouped = edges.dropna(subset=["caller_service", "callee_service"]).groupby(
        ["caller_service", "callee_service"]
    )
    for (caller, callee), rows in grouped:
        per_request = rows["calls_per_caller_request"].sum(min_count=1)
        weights = rows["calls"] if "calls" in rows else pd.Series([1.0] * len(rows), index=rows.index)
        p50 = _weighted(rows.get("p50_ms"), weights)
        calls.append(
            Call(
                str(caller),
                str(callee),
                per_request=None if pd.isna(per_request) else float(per_request),
                p50_ms=p50,
                p90_ms=p90_from(p50, _weighted(rows.get("p99_ms"), weights), Z99),
                wire_ms=_weighted(rows.get("network_p50_ms"), weights),
                error_rate=_weighted(rows.get("error_rate"), weights),
                routes=_route_calls(str(caller), rows, served),
            )
        )
    return _graph_order(services, calls)


def _route_calls(
    caller: str, rows: pd.DataFrame, served: Mapping[tuple[str, str], float]
) -> tuple[RouteCall, ...]:
    """Calls per request of each caller route to each callee route, when the rows name routes (a
    row whose caller route is unknown counts per request of the whole caller)."""
    if "caller_route" not in rows or rows["caller_route"].isna().all():
        return ()
    found: dict[tuple[str | None, str | None], float] = {}
    for row in rows.to_dict("records"):
        caller_route, callee_route = _text(row.get("caller_route")), _text(row.get("callee_route"))
        rate = _number(row.get("calls_per_min"))
        route_rate = served.get((caller, caller_route)) if caller_route is not None else None
        per_request: float | None
        if rate is not None and route_rate:
            per_request = rate / 60 / route_rate
        else:
            per_request = _number(row.get("calls_per_caller_request"))
            caller_route = None
        if per_request is None:
            continue
        key = (caller_route, callee_route)
        found[key] = found.get(key, 0.0) + per_request
    return tuple(RouteCall(a, b, n) for (a, b), n in sorted(found.items(), key=lambda item: repr(item[0])))


def _weighted(values: Any, weights: pd.Series) -> float | None:
    """The weights-weighted mean of the known values (a plain mean when no weight is known)."""
    if values is None:
        return None
    known = values.notna()
    if not known.any():
        return None
    w = weights[known].astype("Float64").fillna(0.0)
    total = float(w.sum())
    if total <= 0:
        return float(values[known].astype(float).mean())
    return float((values[known].astype(float) * w.astype(float)).sum() / total)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _service(name: str, rows: pd.DataFrame, hosts: tuple[str, ...] = ()) -> Service:
    weights = rows["requests_per_min"].fillna(0.0)
    total = float(weights.sum())

    def mean(column: str) -> float | None:
        values = rows[column]
        known = values.notna()
        if not known.any():
            return None
        w = weights[known]
        return (
            float((values[known] * w).sum() / w.sum()) if float(w.sum()) > 0 else float(values[known].mean())
        )

    routes: tuple[Route, ...] = ()
    if "route" in rows and rows["route"].notna().sum() > 1:
        routes = tuple(
            Route(
                str(row["route"]),
                requests_per_s=None if (rate := _number(row["requests_per_min"])) is None else rate / 60,
                p50_ms=_number(row["p50_ms"]),
                p90_ms=p90_from(_number(row["p50_ms"]), _number(row["p95_ms"]), Z95),
                error_rate=_number(row["error_rate"]) or 0.0,
            )
            for row in rows.sort_values("route").to_dict("records")
            if _text(row["route"]) is not None
        )
    return Service(
        name,
        requests_per_s=total / 60 if total > 0 else None,
        p50_ms=mean("p50_ms"),
        p90_ms=p90_from(mean("p50_ms"), mean("p95_ms"), Z95),
        error_rate=mean("error_rate") or 0.0,
        routes=routes,
        hosts=hosts,
    )


def _graph_order(services: list[Service], calls: list[Call]) -> tuple[tuple[Service, ...], tuple[Call, ...]]:
    """Services and calls in the order a graph built from them lists them (so a graph built again,
    and the cached form, are the same as the first)."""
    order = {service.name: i for i, service in enumerate(services)}
    nodes = list(services)
    for call in calls:
        for name in (call.caller, call.callee):
            if name not in order:
                order[name] = len(nodes)
                nodes.append(Service(name))
    return tuple(nodes), tuple(sorted(calls, key=lambda call: order[call.caller]))


def p90_from(p50: float | None, upper: float | None, z: float) -> float | None:
    """The p90 of the lognormal with this median and this upper percentile (z its normal quantile)."""
    if p50 is None or upper is None:
        return None
    if p50 <= 0 or upper <= p50:
        return max(p50, upper)
    return math.exp(math.log(p50) + (math.log(upper) - math.log(p50)) * Z90 / z)

"""The service graph a runtime snapshot measured, from its edges and endpoints tables (pandas).

The snapshot keeps DataFrames; the propagation stage takes `Service` and `Call` values
(preflight.models), so the conversion lives here, where pandas already is.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from preflight.models import Call, Service

Z90, Z95, Z99 = 1.2815516, 1.6448536, 2.3263479
"""Standard normal quantiles of the 90th, 95th and 99th percentiles."""


def measure(edges: pd.DataFrame, endpoints: pd.DataFrame) -> tuple[tuple[Service, ...], tuple[Call, ...]]:
    """The services and calls a snapshot measured: edges per minute, services' requests from endpoints.

    A service's latency and error rate are its endpoints' request-weighted ones. The snapshot
    keeps p95 (endpoints) and p99 (edges); the p90 is read off a lognormal through the p50 and
    that percentile. In graph order: services first (then callees without endpoints), calls
    grouped by caller in that order.
    """
    services = [
        _service(str(name), rows) for name, rows in endpoints.dropna(subset=["service"]).groupby("service")
    ]
    calls = []
    grouped = edges.dropna(subset=["caller_service", "callee_service"]).groupby(
        ["caller_service", "callee_service"]
    )
    for (caller, callee), rows in grouped:
        per_request = rows["calls_per_caller_request"].sum(min_count=1)
        calls.append(
            Call(
                str(caller),
                str(callee),
                per_request=None if pd.isna(per_request) else float(per_request),
                p50_ms=_first(rows["p50_ms"]),
                p90_ms=p90_from(_first(rows["p50_ms"]), _first(rows["p99_ms"]), Z99),
            )
        )
    return _graph_order(services, calls)


def _service(name: str, rows: pd.DataFrame) -> Service:
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

    return Service(
        name,
        requests_per_s=total / 60 if total > 0 else None,
        p50_ms=mean("p50_ms"),
        p90_ms=p90_from(mean("p50_ms"), mean("p95_ms"), Z95),
        error_rate=mean("error_rate") or 0.0,
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


def _first(values: Any) -> float | None:
    known = values.dropna()
    return float(known.iloc[0]) if len(known) else None

"""Join changed functions to a runtime snapshot: traffic, share of service, latency, errors, endpoints, SLOs.

`prepare` reads the snapshot's tables once (pandas) into a `Prepared`: what the snapshot
knows of every function, by name, plus the service graph. The join itself is a lookup
(exposure/prepared.py), which a warm run does from a cached `Prepared` without pandas.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, cast

import pandas as pd

from preflight.exposure.prepared import CallMade, Prepared
from preflight.exposure.services import measure
from preflight.models import Indicator, RuntimeStats, Services, SloStatus
from preflight.runtime.snapshot import Snapshot

# Traces measure executions; profiles and tables are a weaker second choice.
SOURCE_RANK = {"otlp": 0, "console": 0, "jaeger": 0, "zipkin": 0, "table": 1, "pstats": 2, "folded": 3}
Row = dict[str, Any]


def prepare(snapshot: Snapshot) -> Prepared:
    """Every change-independent answer of the snapshot, in one pass over each table."""
    by_name: dict[str, list[Row]] = defaultdict(list)
    for row in _records(snapshot.table("functions")):
        name = _known(row["code_qualname"]) or _known(row["qualname"])
        if name is not None:
            by_name[str(name)].append(row)
    served: dict[str, float] = defaultdict(float)
    for row in _records(snapshot.table("endpoints")):
        requests = _known(row["requests_per_min"])
        if _known(row["service"]) is not None and requests is not None:
            served[row["service"]] += float(requests)
    reached: dict[tuple[Any, Any], list[Row]] = defaultdict(list)
    for row in _records(snapshot.table("function_endpoints")):
        reached[(row["service"], row["qualname"])].append(row)
    slos_by_service: dict[Any, list[tuple[Any, SloStatus]]] = defaultdict(list)
    all_slos = []
    for row in _records(snapshot.table("slos")):
        status = _slo(row)
        all_slos.append(status)
        slos_by_service[row["service"]].append((_known(row["route"]), status))
    context = _Context(served, reached, slos_by_service)
    meta = snapshot.meta
    graph = measured(snapshot, tuple(all_slos))
    return Prepared(
        functions={name: _function(rows, context) for name, rows in by_name.items()},
        rates=_rates(by_name),
        services=graph if not snapshot.table("edges").empty else None,
        graph=graph,
        runs=_runs(by_name, served),
        route_runs=_route_runs(snapshot),
        calls_made=_calls_made(snapshot),
        meta={
            "generated_at": meta.get("generated_at"),
            "window_start": meta.get("window_start"),
            "window_end": meta.get("window_end"),
            "resolution_rate": (meta.get("resolution") or {}).get("rate"),
        },
    )


class _Context:
    """The other tables, grouped for the per-function answers."""

    def __init__(
        self,
        served: Mapping[str, float],
        reached: Mapping[tuple[Any, Any], list[Row]],
        slos: Mapping[Any, list[tuple[Any, SloStatus]]],
    ) -> None:
        self.served, self.reached, self.slos = served, reached, slos

    def share(self, service: str | None, calls: float | None) -> float | None:
        served = self.served.get(service) if service is not None else None
        if calls is None or served is None or served <= 0:
            return None
        return min(1.0, calls / served)

    def routes(self, service: str | None, qualname: Any) -> tuple[str, ...]:
        if service is None:
            return ()
        rows = sorted(self.reached.get((service, qualname), ()), key=_calls, reverse=True)
        return tuple(str(r["route"]) for r in rows if _known(r["route"]) is not None)

    def slos_of(self, service: str | None, routes: tuple[str, ...]) -> tuple[SloStatus, ...]:
        if service is None:
            return ()
        return tuple(s for route, s in self.slos.get(service, ()) if route is None or route in routes)


def _function(rows: list[Row], context: _Context) -> RuntimeStats | None:
    rows = [r for r in rows if _known(r["calls"]) is not None]
    if not rows:
        return None
    best = _best_source(rows)
    known = [float(r["calls_per_min"]) for r in best if _known(r["calls_per_min"]) is not None]
    calls = sum(known) if known else None
    top = max(best, key=_calls)  # the first of the busiest
    service = None if _known(top["service"]) is None else str(top["service"])
    qualname = _known(top["code_qualname"]) or top["qualname"]
    routes = context.routes(service, qualname)
    return RuntimeStats(
        calls_per_min=calls,
        service=service,
        services=tuple(sorted({str(r["service"]) for r in best if _known(r["service"]) is not None})),
        share_of_service=context.share(service, calls),
        p50_ms=_float(top["p50_ms"]),
        p99_ms=_float(top["p99_ms"]),
        error_rate=_float(top["error_rate"]),
        endpoints=routes,
        slos=context.slos_of(service, routes),
        source=str(top["source"]),
    )


def _rates(by_name: Mapping[str, list[Row]]) -> dict[str, float]:
    found = {}
    for name, rows in by_name.items():
        measured = [r for r in rows if _known(r["calls_per_min"]) is not None]
        if measured:
            found[name] = float(sum(float(r["calls_per_min"]) for r in _best_source(measured)))
    return found


def _best_source(rows: list[Row]) -> list[Row]:
    """The rows from the most direct source present (traces before tables before profiles)."""
    ranks = [SOURCE_RANK.get(r["source"], 9) for r in rows]
    best = min(ranks)
    return [r for r, rank in zip(rows, ranks, strict=True) if rank == best]


def measured(snapshot: Snapshot, slos: tuple[SloStatus, ...] | None = None) -> Services:
    """The service graph the snapshot measured (services from its endpoints, calls from its edges),
    judged against slos (default: every SLO in the snapshot); `propagation.from_services` builds it."""
    edges = snapshot.table("edges")
    hosts = snapshot.meta.get("hosts")
    services, calls = measure(edges, snapshot.table("endpoints"), hosts if isinstance(hosts, dict) else None)
    return Services(
        services, calls, _pair_rates(_records(edges)), all_slos(snapshot) if slos is None else slos
    )


def _pair_rates(edges: Iterable[Row]) -> tuple[tuple[str, str, float | None], ...]:
    """Calls/min per (caller, callee), summed over routes; spans from outside the graph left out."""
    found: dict[tuple[str, str], float | None] = {}
    for row in edges:
        caller, callee = row["caller_service"], row["callee_service"]
        if not isinstance(caller, str) or not isinstance(callee, str) or not caller or not callee:
            continue  # a span from outside the graph (no caller service): not a call between services
        rate = _float(row["calls_per_min"])
        seen = found.get((caller, callee))
        found[(caller, callee)] = rate if seen is None else seen + (rate or 0.0)
    return tuple((a, b, rate) for (a, b), rate in sorted(found.items()))


def all_slos(snapshot: Snapshot) -> tuple[SloStatus, ...]:
    """Every SLO in the snapshot, with its error budget state."""
    return tuple(_slo(row) for row in _records(snapshot.table("slos")))


def _runs(by_name: Mapping[str, list[Row]], served: Mapping[str, float]) -> dict[tuple[str, str], float]:
    """(service, function): its calls over the service's requests, from one source (not traces +
    profiles), where both are measured (Prepared.runs_per_request)."""
    calls: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for name, rows in by_name.items():
        for row in rows:
            if isinstance(row["service"], str) and _known(row["calls_per_min"]) is not None:
                calls[(row["service"], name)].append(row)
    runs = {}
    for (service, name), rows in calls.items():
        requests = served.get(service, 0.0)
        if requests > 0:
            runs[(service, name)] = sum(float(r["calls_per_min"]) for r in _best_source(rows)) / requests
    return runs


def _route_runs(snapshot: Snapshot) -> dict[tuple[str, str], tuple[tuple[str, float], ...]]:
    """(service, function): its executions per request of each route that reaches it (traces:
    function_endpoints over the endpoint's requests, one window), for services with 2+ routes."""
    requests: dict[tuple[str, str], float] = defaultdict(float)
    routes_of: dict[str, set[str]] = defaultdict(set)
    for row in _records(snapshot.table("endpoints")):
        service, route, count = _known(row["service"]), _known(row["route"]), _known(row["requests"])
        if service is not None and route is not None and count:
            requests[(str(service), str(route))] += float(count)
            routes_of[str(service)].add(str(route))
    found: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for row in _records(snapshot.table("function_endpoints")):
        service, name, route, calls = (_known(row[k]) for k in ("service", "qualname", "route", "calls"))
        key = (str(service), str(route))
        if None in (service, name, route, calls) or len(routes_of[str(service)]) < 2 or not requests.get(key):
            continue
        found[(str(service), str(name))][str(route)] = float(calls) / requests[key]
    return {key: tuple(sorted(runs.items())) for key, runs in found.items()}


def _calls_made(snapshot: Snapshot) -> dict[tuple[str, str], tuple[CallMade, ...]]:
    """(service, function): the edges whose caller it is, in the table's order."""
    found: dict[tuple[str, str], list[CallMade]] = defaultdict(list)
    for row in _records(snapshot.table("edges")):
        service, function = _known(row["caller_service"]), _known(row["caller_function"])
        if service is None or function is None:
            continue
        found[(str(service), str(function))].append(
            CallMade(
                str(row["callee_service"]),
                _float(row["calls_per_min"]),
                _float(row["calls_per_caller_request"]),
            )
        )
    return {key: tuple(calls) for key, calls in found.items()}


def _slo(row: Row) -> SloStatus:
    return SloStatus(
        name=str(row["name"]),
        service=str(row["service"]),
        indicator=cast(Indicator, str(row["indicator"])),
        objective=_float(row["objective"]),
        window=None if _known(row["window"]) is None else str(row["window"]),
        threshold_ms=_float(row["threshold_ms"]),
        route=None if _known(row["route"]) is None else str(row["route"]),
        budget_remaining=_float(row["budget_remaining"]),
        budget_source="unknown" if _known(row["budget_source"]) is None else str(row["budget_source"]),
    )


def _records(frame: pd.DataFrame) -> list[Row]:
    return cast(list[Row], frame.to_dict("records"))


def _known(value: Any) -> Any:
    """The value, or None for every spelling of missing (None, NaN, pd.NA, NaT)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _float(value: Any) -> float | None:
    known = _known(value)
    return None if known is None else float(known)


def _calls(row: Row) -> float:
    value = _float(row["calls"])
    return -math.inf if value is None else value

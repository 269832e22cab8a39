"""Per-route propagation: a service with endpoints becomes one node per route.

A fault then reaches only the routes whose calls lead to it, each route's percentiles come
from its own requests, and the service's from the mixture of its routes' requests (weighted
by their shares of its requests). A route-level SLO is judged on its route. Services without
routes, and calls without route data, stay service-level (`Routed.notes` says which).

Node names: the service name for a service kept whole, "SERVICE ROUTE" for a route.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from preflight.models import Call, Service, SloStatus
from preflight.propagation.faults import Fault
from preflight.propagation.graph import ServiceGraph


@dataclass(frozen=True, slots=True)
class Routed:
    """The route-level graph and how it maps back to services."""

    graph: ServiceGraph
    groups: dict[str, tuple[tuple[str, float], ...]]
    """Service -> its route nodes and their shares of its requests (services split by route only)."""
    nodes: dict[tuple[str, str], str]
    """(service, route) -> node."""
    notes: tuple[str, ...]


MAX_ROUTE_CALLS = 50_000
"""The most calls between route nodes a split may make: a call without route data between two
services with hundreds of routes each is made by every route of one into every route of the
other, so the route-level graph can grow with the product of their routes (a generated
monorepo of 30 services: 8.7 million). Above this the graph stays service-level, said in the
notes."""


def node_name(service: str, route: str) -> str:
    return f"{service} {route}"


def expand(graph: ServiceGraph) -> Routed | None:
    """The graph with every service that has two routes or more (all with a rate) split into
    route nodes; None when no service has."""
    groups: dict[str, tuple[tuple[str, float], ...]] = {}
    nodes: dict[tuple[str, str], str] = {}
    services: list[Service] = []
    for service in graph.services():
        rates = [route.requests_per_s for route in service.routes]
        if len(service.routes) < 2 or any(not rate for rate in rates):
            services.append(service)
            continue
        total = sum(rate or 0.0 for rate in rates)
        members = []
        for route in service.routes:
            name = node_name(service.name, route.name)
            nodes[(service.name, route.name)] = name
            members.append((name, (route.requests_per_s or 0.0) / total))
            services.append(
                replace(
                    service,
                    name=name,
                    requests_per_s=route.requests_per_s,
                    p50_ms=route.p50_ms,
                    p90_ms=route.p90_ms,
                    error_rate=route.error_rate,
                    routes=(),
                )
            )
        groups[service.name] = tuple(members)
    if not groups:
        return None
    made = sum(_count(call, groups, nodes) for call in graph.calls())
    if made > MAX_ROUTE_CALLS:
        note = (
            f"service-level: split by route, the calls would make {made:,} calls between routes "
            f"(more than {MAX_ROUTE_CALLS:,})"
        )
        return Routed(graph, {}, {}, (note,))
    calls: dict[tuple[str, str], Call] = {}
    whole: set[str] = set()
    for call in graph.calls():
        for caller, callee, n in _split(call, groups, nodes):
            key = (caller, callee)
            found = calls.get(key)
            before = None if found is None else found.per_request
            per_request = n if before is None else before if n is None else before + n
            calls[key] = replace(call, caller=caller, callee=callee, per_request=per_request, routes=())
        if call.caller in groups and not call.routes:
            whole.add(f"{call.caller}->{call.callee}")
    notes = [
        f"per route: {', '.join(sorted(groups))} (each route's requests and calls on their own)",
    ]
    flat = sorted(s.name for s in graph.services() if s.name not in groups)
    if flat:
        listed = ", ".join(flat[:8]) + (", ..." if len(flat) > 8 else "")
        notes.append(f"service-level (fewer than two routes with a rate): {listed}")
    if whole:
        listed = ", ".join(sorted(whole)[:5]) + (", ..." if len(whole) > 5 else "")
        notes.append(
            f"no route data for {len(whole)} call(s) ({listed}): made in every route of the caller at "
            "the service's rate"
        )
    return Routed(ServiceGraph(services, calls.values()), groups, nodes, tuple(notes))


def _split(
    call: Call, groups: dict[str, tuple[tuple[str, float], ...]], nodes: dict[tuple[str, str], str]
) -> list[tuple[str, str, float | None]]:
    """The route-level edges of one service-level call: (caller node, callee node, calls per
    request of the caller node; None: unknown, assumed later)."""
    out = []
    for callers, route, n in _parts(call, groups, nodes):
        callees = _callees(call, route, n, groups, nodes)
        out += [(caller, callee, m) for caller in callers for callee, m in callees]
    return out


def _count(
    call: Call, groups: dict[str, tuple[tuple[str, float], ...]], nodes: dict[tuple[str, str], str]
) -> int:
    """How many route-level edges _split makes of one call, without making them."""
    return sum(
        len(callers) * len(_callees(call, route, n, groups, nodes))
        for callers, route, n in _parts(call, groups, nodes)
    )


def _parts(
    call: Call, groups: dict[str, tuple[tuple[str, float], ...]], nodes: dict[tuple[str, str], str]
) -> list[tuple[list[str], str | None, float | None]]:
    """The parts of one service-level call: (the caller nodes that make it, the callee's route or
    None when unknown, calls per request of each of those caller nodes or None when unknown)."""
    callers = [name for name, _ in groups[call.caller]] if call.caller in groups else [call.caller]
    if call.routes and call.caller in groups:
        out: list[tuple[list[str], str | None, float | None]] = []
        for part in call.routes:
            node = nodes.get((call.caller, part.caller_route)) if part.caller_route is not None else None
            # the caller's route unknown: every route
            out.append(([node] if node is not None else callers, part.callee_route, part.per_request))
        return out
    if call.routes:
        total = sum(part.per_request for part in call.routes)
        if total <= 0:
            return []
        return [
            ([call.caller], part.callee_route, part.per_request * (call.per_request or total) / total)
            for part in call.routes
        ]
    return [(callers, None, call.per_request)]


def _callees(
    call: Call,
    route: str | None,
    n: float | None,
    groups: dict[str, tuple[tuple[str, float], ...]],
    nodes: dict[tuple[str, str], str],
) -> list[tuple[str, float | None]]:
    """The callee nodes one part of a call goes to, with the calls per request into each."""
    if call.callee not in groups:
        return [(call.callee, n)]
    node = nodes.get((call.callee, route)) if route is not None else None
    if node is not None:
        return [(node, n)]
    # the callee's route unknown: its routes in proportion to their requests
    return [(member, None if n is None else n * share) for member, share in groups[call.callee]]


def faults(routed: Routed, found: Sequence[Fault]) -> list[Fault]:
    """Each fault at the route nodes of its service: at every route, or, for a function whose
    routes are known (Fault.routes), at those routes with their own shares."""
    out = []
    for fault in found:
        members = routed.groups.get(fault.service)
        if members is None:
            out.append(fault)
            continue
        if fault.routes:
            for route, runs in fault.routes:
                node = routed.nodes.get((fault.service, route))
                if node is not None:
                    out.append(replace(fault, service=node, routes=()).with_share(runs))
            continue
        out += [replace(fault, service=member) for member, _ in members]
    return out


def slo_node(routed: Routed, slo: SloStatus) -> str | None:
    """The route node a route-level SLO is judged on, when its route is one."""
    return routed.nodes.get((slo.service, slo.route)) if slo.route is not None else None

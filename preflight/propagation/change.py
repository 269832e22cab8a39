"""The failure modes of a diff: every changed function that runs in a known service may be wrong.

How wrong is unknown, so each is simulated over a range (Monte Carlo): a share of its
executions raising (ERROR_RANGE), and each execution getting slower (SLOWDOWN_RANGE
times its own measured p50, or of the service's latency when the function's is not
measured). Both are weighted by the share of the service's requests that run it;
when that share is unknown the function is assumed to run in every request (the
cautious bound) and the report says so. A function without runtime data of its own
but with traffic inferred from its callers is injected in the service of its busiest
caller, weighted by the inferred calls over that service's requests. A function that
runs k > 1 times per request fails a request when any execution fails (1 - (1 - e)^k)
and adds k times its slowdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from preflight.models import Exposure, Impact, SloStatus
from preflight.propagation.faults import Fault
from preflight.propagation.graph import ServiceGraph
from preflight.propagation.simulation import simulate

ERROR_RANGE = (0.01, 0.3)
SLOWDOWN_RANGE = (1.2, 3.0)
CHECK_TRIALS = 2_000
"""Fewer trials than `simulate`: the gate needs medians and a 90% interval, and a hook must be quick."""


def faults(exposure: Exposure, graph: ServiceGraph) -> tuple[list[Fault], list[str]]:
    """Injected faults for the behavioural changes with a service in the graph, and what was assumed."""
    found: list[Fault] = []
    notes: list[str] = []
    low, high = ERROR_RANGE
    slow_low, slow_high = SLOWDOWN_RANGE
    for item in exposure.functions:
        service, calls = item.service, item.calls_per_min
        from_callers = item.inferred if service is None and item.inferred and item.inferred.service else None
        inferred = from_callers is not None
        if from_callers is not None:  # no runtime data of its own: it fails where its callers run
            service, calls = from_callers.service, from_callers.calls_per_min
        if not item.change.behavioural or service is None or service not in graph.graph:
            continue
        runs = per_request(calls, graph, service)
        if runs is None and not inferred:
            runs = item.share_of_service
        name = item.change.qualname
        if runs is None:
            runs = 1.0
            notes.append(f"{name}: share of {service}'s requests unknown, assumed every request")
        elif inferred:
            notes.append(
                f"{name}: no runtime data of its own; from its callers' traffic it runs in {service}, "
                + (
                    f"in about {runs:.0%} of its requests"
                    if runs <= 1
                    else f"about {runs:.1f} times per request"
                )
            )
        elif runs > 1:
            notes.append(
                f"{name}: runs about {runs:.1f} times per {service} request: errors compound, delays add"
            )
        # Built, not parsed: a service name from telemetry may hold `:` or `=`, which a spec cannot.
        target = f"{service}:{name}"
        routes = () if inferred else per_route(item.runtime.endpoints, calls, graph, service)
        made = [Fault(service, name, "error", low, high, spec=f"{target}:error={low}..{high}")]
        if item.p50_ms:
            slow = (item.p50_ms * (slow_low - 1), item.p50_ms * (slow_high - 1))
            spec = f"{target}:latency={slow[0]:.3f}ms..{slow[1]:.3f}ms"
            made.append(Fault(service, name, "latency", *slow, spec=spec))
        else:
            spec = f"{target}:latency=x{slow_low}..x{slow_high}"
            made.append(Fault(service, name, "latency", slow_low, slow_high, True, spec=spec))
        found += [replace(fault.with_share(runs), routes=routes) for fault in made]
    return found, notes


def per_route(
    endpoints: Sequence[str], calls_per_min: float | None, graph: ServiceGraph, service: str
) -> tuple[tuple[str, float], ...]:
    """The routes of the service whose requests ran the function, each with the function's runs
    per request of those routes (its calls over their requests, alike for each); empty when the
    service has no routes, none of them ran it, or a rate is unknown."""
    rates = {route.name: route.requests_per_s for route in graph.service(service).routes}
    reached = [route for route in endpoints if rates.get(route)]
    total = sum(rates[route] or 0.0 for route in reached)
    if not reached or not calls_per_min or total <= 0:
        return ()
    return tuple((route, calls_per_min / 60 / total) for route in reached)


def per_request(calls_per_min: float | None, graph: ServiceGraph, service: str) -> float | None:
    """A function's executions per request of its service (above 1 when a request runs it several
    times); None when either rate is unknown."""
    requests = graph.service(service).requests_per_s if service in graph.graph else None
    if calls_per_min is None or not requests:
        return None
    return calls_per_min / (requests * 60)


def predict(
    exposure: Exposure, graph: ServiceGraph, slos: Sequence[SloStatus], trials: int = CHECK_TRIALS
) -> Impact | None:
    """What the change's failure modes would do; None when no changed function has a service in the graph."""
    injected, notes = faults(exposure, graph)
    if not injected:
        return None
    impact = simulate(graph, injected, slos, trials=trials)
    return replace(impact, assumptions=(*notes, *impact.assumptions))

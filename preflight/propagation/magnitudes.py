"""Which magnitudes of a simulation were given, measured or assumed, and the measured ones.

`error=measured` (and wrong) is the share of calls into the service that its callers saw fail,
call-weighted over the callers (the edges' client-side error rates); `network=xN` adds N - 1
times the wire time measured on calls into it (client-side minus server-side duration,
call-weighted). `simulate` says, for every fault, where its magnitude came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from preflight.errors import InputError
from preflight.models import Call
from preflight.propagation.faults import Fault
from preflight.propagation.graph import ServiceGraph


def resolve(faults: Sequence[Fault], graph: ServiceGraph) -> tuple[list[Fault], list[str]]:
    """The faults with their measured magnitudes filled in, and a note for each one filled in;
    an InputError naming the fault when the snapshot has not measured what it asks for."""
    out, notes = [], []
    for fault in faults:
        if fault.measured:
            share = _measured(graph, fault, lambda call: call.error_rate, "error rate")
            out.append(replace(fault, low=share, high=share))
            notes.append(
                f"magnitude of {fault.spec}: {share:.2%} of calls, measured (what its callers saw fail)"
            )
        elif fault.kind == "network" and fault.ratio:
            wire = _measured(graph, fault, lambda call: call.wire_ms, "wire time")
            low, high = (fault.low - 1) * wire, (fault.high - 1) * wire
            out.append(replace(fault, low=low, high=high, ratio=False))
            span = f"+{low:.1f} ms" if low == high else f"+{low:.1f}-{high:.1f} ms"
            times = f"{fault.low:g}x" if fault.low == fault.high else f"{fault.low:g}x-{fault.high:g}x"
            notes.append(
                f"magnitude of {fault.spec}: {span} per call, {times} the {wire:.1f} ms on the wire measured "
                "(client minus server)"
            )
        else:
            out.append(fault)
    return out, notes


def _measured(graph: ServiceGraph, fault: Fault, value: Callable[[Call], float | None], what: str) -> float:
    """value of the calls into the fault's service, weighted by calls per second."""
    known = []
    for caller in graph.graph.predecessors(fault.service):
        call: Call = graph.graph.edges[caller, fault.service]["call"]
        found = value(call)
        if found is not None:
            rate = (call.per_request or 1.0) * (graph.service(caller).requests_per_s or 1.0)
            known.append((rate, found))
    total = sum(rate for rate, _ in known)
    if not known or total <= 0:
        raise InputError(
            f"--inject {fault.spec!r}: no {what} measured on calls into {fault.service} in the snapshot; "
            "give a value (e.g. 0.1 or a range 0.01..0.3)"
            if what == "error rate"
            else f"--inject {fault.spec!r}: no {what} measured on calls into {fault.service} in the snapshot "
            "(its callers' and its own spans are needed); give a duration (e.g. 200ms)"
        )
    return sum(rate * found for rate, found in known) / total


def provenance(faults: Sequence[Fault], graph: ServiceGraph) -> list[str]:
    """For each fault not measured: whether its magnitude was given or assumed (a range), and what
    of the service it leans on."""
    notes = []
    for fault in faults:
        if fault.measured or (fault.kind == "network" and fault.ratio):
            continue  # resolve says where those came from
        if fault.low != fault.high:
            notes.append(f"magnitude of {fault.spec}: assumed (a range, sampled per scenario)")
            continue
        service = graph.service(fault.service) if fault.service in graph.graph else None
        if fault.kind == "latency" and fault.ratio and service is not None:
            known = ", ".join(
                f"{name} {value:.1f} ms"
                for name, value in (("p50", service.p50_ms), ("p90", service.p90_ms))
                if value is not None
            )
            notes.append(
                f"magnitude of {fault.spec}: {fault.low:g}x {fault.service}'s measured latency ({known or 'unknown'})"
            )
        elif fault.kind == "cpu" and service is not None and service.utilization is None:
            notes.append(
                f"magnitude of {fault.spec}: given; {fault.service}'s CPU utilization assumed (not measured)"
            )
        else:
            notes.append(f"magnitude of {fault.spec}: given (not measured)")
    return notes

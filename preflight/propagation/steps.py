"""The reached services' calls as arrays: the plan of steps, callees first, and each step's
sparse products and special calls (built once, run per chunk of scenarios by engine.py)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
import numpy as np

from preflight.models import Service
from preflight.propagation.calls import SpecialCalls, guarded, per_request
from preflight.propagation.graph import PARALLEL, ServiceGraph
from preflight.propagation.local_faults import OwnFaults
from preflight.propagation.sampling import SAMPLE, Draws
from preflight.propagation.sparse import MaskedRows, SparseRows

IDLE = -1
"""The callee row of a parallel call into a service the faults do not reach."""


def plan(
    graph: ServiceGraph, sources: list[str], groups: Mapping[str, tuple[tuple[str, float], ...]]
) -> list[tuple[bool, list[str]]]:
    """Callees first: (is a cycle, services) steps over the faulty services and their callers
    (and the other nodes of a group one of whose nodes they include: its mixture needs them)."""
    affected = set(sources)
    callers = graph.graph.pred
    waiting = list(affected)
    while waiting:  # the sources and everything that calls them: one walk for all of them
        for caller in callers[waiting.pop()]:
            if caller not in affected:
                affected.add(caller)
                waiting.append(caller)
    for members in groups.values():
        if any(node in affected for node, _ in members):
            affected |= {node for node, _ in members}
    sub = graph.graph.subgraph(affected)
    condensed = nx.condensation(sub)
    plan = []
    for generation in reversed(list(nx.topological_generations(condensed))):
        singles = []
        for component in generation:
            nodes = sorted(condensed.nodes[component]["members"])
            if len(nodes) == 1 and not sub.has_edge(nodes[0], nodes[0]):
                singles.append(nodes[0])
            else:
                plan.append((True, nodes))
        if singles:
            plan.append((False, sorted(singles)))
    return plan


@dataclass
class Step:
    start: int
    stop: int
    fail: Any
    """SparseRows (step rows x all rows): n of plain calls without a fallback, for log-survival (None: none)."""
    wrong: Any
    """Sparse: n of every plain call, for wrong values (no fallback absorbs them)."""
    masked: MaskedRows | None
    """Plain sequential calls made in fewer than every request."""
    summed: Any
    """Sparse: sqrt(n) of plain sequential calls made n >= 1 times per request (their spread) ..."""
    mean: Any
    """... and n - sqrt(n) of them (their mean), or n of calls inside a cycle, over the callees' means."""
    special: SpecialCalls | None
    faulty: list[int]
    queued: list[int]
    """Rows whose queue grows with their load (Steps.queued)."""


class Steps:
    """The reached services' calls as arrays, one batched update per step."""

    def __init__(
        self,
        graph: ServiceGraph,
        rows: dict[str, int],
        steps: list[tuple[bool, list[str]]],
        own: OwnFaults,
        orders: Draws,
        assumptions: list[str],
    ) -> None:
        size = len(rows)
        self.services = [graph.service(name) for name in rows]
        self.orders = orders
        self.mixed: dict[int, tuple[tuple[int, float], ...]] = {}
        """Group row -> its nodes' rows and shares (filled in by propagate)."""
        self.queued = [
            row
            for row, service in enumerate(self.services)
            if service.utilization is not None and row not in own.cpu
        ]
        """Rows whose queue grows with their load (utilization known; CPU-faulty rows do it themselves)."""
        self.utilization = np.array([s.utilization or 0.0 for s in self.services])
        self._queued = set(self.queued)
        rate = [s.requests_per_s or 1.0 for s in self.services]
        out: dict[int, list[tuple[int, Any]]] = {}
        inbound = np.zeros(size)
        """Calls per second into each service (the denominator of its load factor)."""
        defaulted = []
        for call in graph.calls():
            if call.caller in rows and call.callee not in rows and call.mode == PARALLEL:
                # a branch the faults do not reach still takes its time: the slowest may be it
                branch = replace(call, timeout_ms=None, retries=0)
                out.setdefault(rows[call.caller], []).append((IDLE, branch))
                continue
            # every caller of a reached service is reached: calls between reached services are all
            if call.caller in rows and call.callee in rows:
                caller, callee = rows[call.caller], rows[call.callee]
                out.setdefault(caller, []).append((callee, call))
                inbound[callee] += per_request(call) * rate[caller]
                if call.per_request is None:
                    defaulted.append(f"{call.caller}->{call.callee}")
                elif call.inferred:
                    assumptions.append(
                        f"{call.caller}->{call.callee}: {call.per_request:.1f} per request, from "
                        f"{call.callee}'s requests that traced calls do not explain"
                    )
        self.retried_into: dict[int, list[tuple[float, int]]] = {}
        """Callee row -> (share of the calls into it, retries) of each retried call into it."""
        for caller, made in out.items():
            for callee, call in made:
                if call.retries and inbound[callee] > 0:
                    share = rate[caller] * per_request(call) / inbound[callee]
                    self.retried_into.setdefault(callee, []).append((share, call.retries))
        if defaulted:
            assumptions.append(
                f"no measured rate for {len(defaulted)} call(s) ({', '.join(sorted(defaulted)[:5])}"
                f"{', ...' if len(defaulted) > 5 else ''}): assumed 1 per request"
            )
        self.averaged = np.zeros(size, dtype=bool)
        """Rows whose mean per scenario some caller uses (a call's mean part, a cycle): only theirs
        are kept up to date."""
        self.blocks: list[tuple[bool, list[tuple[Step, Step | None]]]] = []
        """Callees first: a step over a generation of services, or a cycle: per member, a step for
        its calls out of the cycle (fixed while it settles) and one for the calls inside it,
        iterated Gauss-Seidel (each member sees the others' latest values)."""
        start = 0
        for cycle, group in steps:
            stop = start + len(group)
            if not cycle:
                self.blocks.append((False, [(self._step(start, stop, out, own, rate, inbound, False), None)]))
            else:
                inside = range(start, stop)
                members: list[tuple[Step, Step | None]] = []
                for row in inside:
                    calls = [(callee, call) for callee, call in out.get(row, ()) if callee not in inside]
                    # (IDLE branches go with the calls out of the cycle)
                    loops = [(callee, call) for callee, call in out.get(row, ()) if callee in inside]
                    members.append(
                        (
                            self._step(row, row + 1, {row: calls}, own, rate, inbound, False),
                            self._step(row, row + 1, {row: loops}, own, rate, inbound, True),
                        )
                    )
                self.blocks.append((True, members))
                self.averaged[start:stop] = True  # a cycle settles on its members' means
            start = stop

    def _step(
        self,
        start: int,
        stop: int,
        out: dict[int, list[tuple[int, Any]]],
        own: OwnFaults,
        rate: list[float],
        inbound: np.ndarray,
        looped: bool,
    ) -> Step:
        """Rows start..stop: their plain calls as sparse matrices, the rest as special calls."""
        sparse: dict[str, tuple[list[int], list[int], list[float]]] = {
            name: ([], [], []) for name in ("fail", "wrong", "summed", "mean")
        }
        masked: tuple[list[int], list[float], list[int], list[int]] = ([], [], [], [])
        special, took, slots, limits = [], [], [], []
        for caller in range(start, stop):
            for index, (callee, call) in enumerate(out.get(caller, ())):
                n = per_request(call)
                base = self.services[callee] if callee != IDLE else Service(call.callee)
                p50 = call.p50_ms or base.p50_ms
                p90 = call.p90_ms or base.p90_ms or p50
                if guarded(call) or call.mode == PARALLEL:
                    special.append((caller, callee, call))
                    slot, own_time = self.orders.call(caller, index, p50, p90)
                    slots.append(slot)
                    took.append(own_time)
                    limits.append((p50, p90) if p50 is not None and p50 > 0 and p90 is not None else None)
                if guarded(call) or callee == IDLE:
                    continue
                names = ("wrong",) if call.fallback else ("fail", "wrong")
                for name in names:
                    sparse[name][0].append(caller - start)
                    sparse[name][1].append(callee)
                    sparse[name][2].append(n)
                if call.mode == PARALLEL:
                    continue
                if looped:
                    sparse["mean"][0].append(caller - start)
                    sparse["mean"][1].append(callee)
                    sparse["mean"][2].append(n)
                elif n < 1:
                    masked[0].append(self.orders.call(caller, index, p50, p90)[0])
                    masked[1].append(n)
                    masked[2].append(caller - start)
                    masked[3].append(callee)
                else:
                    for name, value in (("summed", math.sqrt(n)), ("mean", n - math.sqrt(n))):
                        if value > 0:
                            sparse[name][0].append(caller - start)
                            sparse[name][1].append(callee)
                            sparse[name][2].append(value)
        self.averaged[sparse["mean"][1]] = True
        size = len(inbound)
        matrices = {
            name: SparseRows(values, at, to, (stop - start, size)) if values else None
            for name, (at, to, values) in sparse.items()
        }
        return Step(
            start,
            stop,
            matrices["fail"],
            matrices["wrong"],
            MaskedRows(*masked) if masked[0] else None,
            matrices["summed"],
            matrices["mean"],
            SpecialCalls(special, start, np.array(took, dtype=SAMPLE), slots, rate, inbound, limits)
            if special
            else None,
            [row for row in range(start, stop) if row in own.rows],
            [row for row in range(start, stop) if row in self._queued],
        )

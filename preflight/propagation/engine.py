"""Propagate injected faults to callers, vectorized over Monte Carlo trials.

Every quantity is an array of shape (services, trials). Only the fault's services
and their transitive callers can change, so only they are computed, callees first
(networkx condensation: a cycle is iterated to a fixed point). The edges of a whole
generation are processed in one batch of numpy operations.

Rules, per call from caller u to callee v made n times per request of u:
- errors: a call fails with v's added error probability; retries r make it fail
  with p^(r+1) and multiply the load on v by 1+p+...+p^r; a fallback absorbs the
  failure; a wrong return value is never absorbed. u's requests fail with
  1 - prod(1 - p_call)^n.
- latency: a call takes v's added latency (plus added network delay into v); a
  timeout caps it and turns the calls beyond it into failures (lognormal call
  latency through the edge's p50/p90); retried calls add their own time.
  Sequential calls add n * delay, parallel ones take the largest. A percentile q
  of u only moves fully when at least 1-q of u's requests make the call (n >= 1-q),
  otherwise in proportion.
- cycles: calls inside a cycle count with their mean number n (a percentile weight
  above n could keep growing around the cycle); below one call per request around
  the cycle the iteration settles.
- fail fast: a request of u that fails stops early, on average half-way
  (ABORT_FRACTION of its latency), so u can get faster while its errors rise.
- CPU: demand per request grows by share*(ratio-1); with utilization rho the
  M/M/1 response time scales by (1-rho)/(1-rho'), and beyond SATURATION the
  demand above capacity fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from preflight.propagation.faults import Fault
from preflight.propagation.graph import (
    DEFAULT_CALLS_PER_REQUEST,
    PARALLEL,
    Call,
    Service,
    ServiceGraph,
    share_below,
)

ABORT_FRACTION = 0.5
SATURATION = 0.98
UTILIZATION_PRIOR = (0.2, 0.6)
"""Utilization assumed (uniform per trial) where none is known."""
CYCLE_ITERATIONS = 50
QUANTILES = (0.5, 0.9)


@dataclass
class State:
    """Per-service added effects per trial (rows follow `names`)."""

    names: list[str]
    error: np.ndarray
    """Added share of requests that fail."""
    wrong: np.ndarray
    """Added share of responses with a wrong value (the caller fails on them)."""
    delay: dict[float, np.ndarray]
    """Quantile -> added server-side latency at that percentile, ms."""
    network: np.ndarray
    """Added latency on calls into the service, ms."""
    load: np.ndarray
    """Requests received relative to before."""
    assumptions: list[str] = field(default_factory=list)


def propagate(graph: ServiceGraph, faults: list[Fault], trials: int, seed: int = 0) -> State:
    """The added errors and latency of every service, per trial."""
    rng = np.random.default_rng(seed)
    names = list(graph.graph.nodes)
    index = {name: i for i, name in enumerate(names)}
    size = len(names)
    state = State(
        names,
        np.zeros((size, trials)),
        np.zeros((size, trials)),
        {q: np.zeros((size, trials)) for q in QUANTILES},
        np.zeros((size, trials)),
        np.ones((size, trials)),
    )
    own = _OwnFaults(graph, faults, index, rng, trials, state.assumptions)
    plan = _plan(graph, faults, index)
    batches = _Batches(graph, index, state, own)
    for cycle, nodes in plan:
        if cycle:
            members = set(nodes.tolist())
            batches.cyclic |= {(u, v) for u in members for v, _ in batches.out.get(u, ()) if v in members}
    batches.prepare({node for _, nodes in plan for node in nodes.tolist()})
    _run(plan, batches, None)
    heavy = [node for node in own.cpu if bool((state.load[node] > 1 + 1e-9).any())]
    if heavy:  # retries multiply the load on a CPU-bound faulty service: once more with that load
        load = state.load.copy()
        for array in (state.error, state.wrong, state.network, *state.delay.values()):
            array[:] = 0
        _run(plan, batches, load)
        state.load[:] = load
        state.assumptions.append("retries raise the load on a CPU-bound faulty service: simulated with it")
    return state


def _plan(graph: ServiceGraph, faults: list[Fault], index: dict[str, int]) -> list[tuple[bool, np.ndarray]]:
    """Callees first: (is a cycle, services) steps over the faulty services and their callers."""
    affected: set[str] = set()
    for fault in faults:
        affected |= nx.ancestors(graph.graph, fault.service) | {fault.service}
    sub = graph.graph.subgraph(affected)
    condensed = nx.condensation(sub)
    plan = []
    for generation in reversed(list(nx.topological_generations(condensed))):
        singles = []
        for component in generation:
            nodes = sorted(condensed.nodes[component]["members"])
            if len(nodes) == 1 and not sub.has_edge(nodes[0], nodes[0]):
                singles.append(index[nodes[0]])
            else:
                plan.append((True, np.array([index[name] for name in nodes])))
        if singles:
            plan.append((False, np.array(sorted(singles))))
    return plan


def _run(plan: list[tuple[bool, np.ndarray]], batches: _Batches, load: np.ndarray | None) -> None:
    for cycle, nodes in plan:
        if not cycle:
            batches.update(nodes, load)
            continue
        # Gauss-Seidel over a cycle until nothing moves (calls around a cycle are < 1 per request)
        state = batches.state
        for _ in range(CYCLE_ITERATIONS):
            before = state.error[nodes].copy(), state.delay[0.9][nodes].copy()
            for node in nodes.tolist():
                batches.update(np.array([node]), load)
            if np.allclose(before[0], state.error[nodes], rtol=0, atol=1e-6) and np.allclose(
                before[1], state.delay[0.9][nodes], rtol=0, atol=1e-3
            ):
                break
        else:
            names = ", ".join(state.names[i] for i in nodes.tolist())
            state.assumptions.append(
                f"the cycle {names} did not settle in {CYCLE_ITERATIONS} rounds (calls around it reach "
                "one per request or more, or timeouts and retries inside it keep flipping): its numbers are "
                "those of the last round"
            )


class _OwnFaults:
    """What each faulty service does by itself, per trial."""

    def __init__(
        self,
        graph: ServiceGraph,
        faults: list[Fault],
        index: dict[str, int],
        rng: np.random.Generator,
        trials: int,
        assumptions: list[str],
    ) -> None:
        self.trials = trials
        self.error: dict[int, np.ndarray] = {}
        self.wrong: dict[int, np.ndarray] = {}
        self.delay: dict[int, dict[float, np.ndarray]] = {}
        self.network: dict[int, np.ndarray] = {}
        self.cpu: dict[int, np.ndarray] = {}
        self.utilization: dict[int, np.ndarray] = {}
        for fault in faults:
            node = index[fault.service]
            service = graph.service(fault.service)
            magnitude = fault.sample(rng, trials)
            share = fault.share
            if fault.kind in ("error", "wrong"):
                target = self.error if fault.kind == "error" else self.wrong
                previous = target.get(node, np.zeros(trials))
                target[node] = 1 - (1 - previous) * (1 - share * magnitude)
            elif fault.kind == "network":
                self.network[node] = self.network.get(node, np.zeros(trials)) + share * magnitude
            elif fault.kind == "latency":
                delays = self.delay.setdefault(node, {q: np.zeros(trials) for q in QUANTILES})
                for q in QUANTILES:
                    base = _base(service, q)
                    if fault.ratio and base is None:
                        assumptions.append(
                            f"{fault.spec}: {fault.service}'s p{q * 100:.0f} is unknown, so the ratio "
                            "cannot be turned into milliseconds there; that percentile's change is left out"
                        )
                        continue
                    added = (magnitude - 1) * base if fault.ratio and base is not None else magnitude
                    delays[q] = delays[q] + _weight_of(share, q) * added
            else:  # cpu
                demand = self.cpu.get(node, np.ones(trials))
                self.cpu[node] = demand * (1 + share * (magnitude - 1))
                if service.utilization is None and node not in self.utilization:
                    low, high = UTILIZATION_PRIOR
                    self.utilization[node] = rng.uniform(low, high, trials)
                    assumptions.append(
                        f"{fault.service}: CPU utilization unknown, assumed {low:.0%}-{high:.0%} "
                        "(set services.<name>.utilization in .preflight.yml)"
                    )
                elif service.utilization is not None:
                    self.utilization[node] = np.full(trials, service.utilization)

    def apply(self, node: int, service_p: dict[float, float | None], load: np.ndarray, state: State) -> None:
        """Add node's own faults to what its callees did to it."""
        error = self.error.get(node)
        if error is not None:
            state.error[node] = 1 - (1 - state.error[node]) * (1 - error)
        wrong = self.wrong.get(node)
        if wrong is not None:
            state.wrong[node] = wrong
        for q, delay in self.delay.get(node, {}).items():
            state.delay[q][node] += delay
        network = self.network.get(node)
        if network is not None:
            state.network[node] = network
        demand = self.cpu.get(node)
        if demand is not None:
            rho = self.utilization[node]
            after = np.minimum(rho * demand * load, 10.0)
            queue = demand * (1 - rho) / np.maximum(1 - after, 1 - SATURATION)
            shed = np.clip(1 - SATURATION / np.maximum(after, 1e-12), 0, 1)
            state.error[node] = 1 - (1 - state.error[node]) * (1 - shed)
            for q in QUANTILES:
                base = service_p[q]
                if base is not None:
                    state.delay[q][node] += (queue - 1) * base


def _base(service: Service, q: float) -> float | None:
    return service.p50_ms if q == 0.5 else service.p90_ms


def _weight_of(n: float, q: float) -> float:
    """How much of a call's delay reaches the caller's q-th percentile (see the module docstring)."""
    return n if n >= 1 else min(1.0, n / (1 - q))


class _Batches:
    """The graph's calls as arrays, grouped by caller, for one batched update per generation."""

    def __init__(self, graph: ServiceGraph, index: dict[str, int], state: State, own: _OwnFaults) -> None:
        self.state = state
        self.own = own
        services = [graph.service(name) for name in state.names]
        self.base = {q: [_base(s, q) for s in services] for q in QUANTILES}
        self.out: dict[int, list[tuple[int, Call]]] = {}
        self.inbound = np.zeros(len(services))
        """Calls per second into each service (the denominator of its load factor)."""
        defaulted = []
        for call in graph.calls():
            caller, callee = index[call.caller], index[call.callee]
            self.out.setdefault(caller, []).append((callee, call))
            self.inbound[callee] += _rate(call, services[caller])
            if call.per_request is None:
                defaulted.append(f"{call.caller}->{call.callee}")
        self.services = services
        self.reached: set[int] = set()
        """Services the faults can reach (the faulty ones and their transitive callers)."""
        self.cyclic: set[tuple[int, int]] = set()
        """Calls inside a cycle: weighted by their mean count (a percentile weight could exceed the
        mean and never settle), so calls around a cycle below one per request converge."""
        self.extra: dict[int, dict[int, np.ndarray]] = {}
        """callee -> caller -> extra load from that caller's retries (recomputed, never accumulated)."""
        if defaulted:
            state.assumptions.append(
                f"no measured rate for {len(defaulted)} call(s) ({', '.join(sorted(defaulted)[:5])}"
                f"{', ...' if len(defaulted) > 5 else ''}): assumed {DEFAULT_CALLS_PER_REQUEST:g} per request"
            )

    def prepare(self, reached: set[int]) -> None:
        """Plain calls into reached services as sparse matrices (caller x callee); the rest row by row.

        A plain call (no timeout, no retries, sequential) adds n * log(1 - p) of the callee to the
        caller's log-survival and weight * delay to its latency: one sparse product per step
        does that for all of them. Calls with a timeout, retries or parallel fan-out change with
        the callee's state in other ways and are computed per call.
        """
        from scipy.sparse import csr_matrix

        self.reached = reached
        size = len(self.services)
        trials = self.state.error.shape[1]
        names: tuple[str | float, ...] = ("fail", "wrong", *QUANTILES)
        entries: dict[str | float, tuple[list[int], list[int], list[float]]] = {
            name: ([], [], []) for name in names
        }
        self.special: dict[int, list[tuple[int, Call]]] = {}
        for caller, calls in self.out.items():
            for callee, call in calls:
                if callee not in reached:
                    continue  # a call into a service the faults cannot reach adds nothing
                if call.timeout_ms is not None or call.retries or call.mode == PARALLEL:
                    self.special.setdefault(caller, []).append((callee, call))
                    continue
                n = _per_request(call)
                cyclic = (caller, callee) in self.cyclic
                targets: list[tuple[str | float, float]] = [("wrong", n)]
                targets += [] if call.fallback else [("fail", n)]
                targets += [(q, n if cyclic else _weight_of(n, q)) for q in QUANTILES]
                for name, value in targets:
                    rows, cols, values = entries[name]
                    rows.append(caller)
                    cols.append(callee)
                    values.append(value)
        self.matrices: dict[str | float, Any] = {
            name: csr_matrix((values, (rows, cols)), shape=(size, size))
            for name, (rows, cols, values) in entries.items()
        }
        self.log_fail = np.zeros((size, trials))
        self.log_wrong = np.zeros((size, trials))
        self.seen_delay = {q: np.zeros((size, trials)) for q in QUANTILES}
        """Per reached service, as its callers see it: log(1 - errors), log(1 - wrong), delay + network."""

    def update(self, nodes: np.ndarray, load: np.ndarray | None) -> None:
        """Recompute nodes from their callees' current state, then add their own faults."""
        state = self.state
        for array in (state.error, state.wrong, state.network, *state.delay.values()):
            array[nodes] = 0
        survive = self.matrices["fail"][nodes] @ self.log_fail
        if self.own.wrong:
            survive += self.matrices["wrong"][nodes] @ self.log_wrong
        delay = {q: self.matrices[q][nodes] @ self.seen_delay[q] for q in QUANTILES}
        peak: dict[float, np.ndarray] = {}
        for position, node in enumerate(nodes.tolist()):
            for callee, call in self.special.get(node, ()):
                if call.mode == PARALLEL and not peak:
                    peak = {q: np.zeros_like(delay[q]) for q in QUANTILES}
                self._special(node, callee, call, position, survive, delay, peak)
        child_error = 1 - np.exp(survive)
        state.error[nodes] = child_error
        for q in QUANTILES:
            base = np.array([self.base[q][node] or 0.0 for node in nodes.tolist()])[:, None]
            # a request cannot get faster than stopping at once: callees that fail or speed up
            # take at most the caller's own latency off (nothing, when that latency is unknown)
            total = delay[q] - ABORT_FRACTION * child_error * base
            if peak:
                total += peak[q]
            state.delay[q][nodes] = np.maximum(total, -base)
        for node in nodes.tolist():
            base_p = {q: self.base[q][node] for q in QUANTILES}
            self.own.apply(node, base_p, (load if load is not None else state.load)[node], state)
        self.log_fail[nodes] = np.log1p(-np.minimum(state.error[nodes], 1 - 1e-12))
        if self.own.wrong:
            self.log_wrong[nodes] = np.log1p(-np.minimum(state.wrong[nodes], 1 - 1e-12))
        for q in QUANTILES:
            self.seen_delay[q][nodes] = state.delay[q][nodes] + state.network[nodes]

    def _special(
        self,
        caller: int,
        callee: int,
        call: Call,
        position: int,
        survive: np.ndarray,
        delay: dict[float, np.ndarray],
        peak: dict[float, np.ndarray],
    ) -> None:
        """A call with a timeout, retries or parallel fan-out, added to its caller's row."""
        state = self.state
        fail = state.error[callee][None, :].copy()
        seen = {q: self.seen_delay[q][callee][None, :].copy() for q in QUANTILES}
        if call.timeout_ms is not None:
            self._timeout(call, callee, 0, fail, seen)
        if call.retries:
            self._retry(call, caller, callee, 0, fail, seen)
        n = _per_request(call)
        failing = 1 - (1 - (0.0 if call.fallback else fail[0])) * (1 - state.wrong[callee])
        survive[position] += n * np.log1p(-np.minimum(failing, 1 - 1e-12))
        cyclic = (caller, callee) in self.cyclic
        for q in QUANTILES:
            weight = n if cyclic else _weight_of(n, q)
            if call.mode == PARALLEL:
                # calls fanned out in parallel overlap: however many, the caller waits for about one
                peak[q][position] = np.maximum(peak[q][position], min(weight, 1.0) * seen[q][0])
            else:
                delay[q][position] += weight * seen[q][0]

    def _retry(
        self, call: Call, caller: int, callee: int, row: int, fail: np.ndarray, delay: dict[float, np.ndarray]
    ) -> None:
        """r retries: fails only if every attempt fails; each extra attempt costs a call and loads the callee."""
        p = fail[row]
        attempts = sum(p**k for k in range(call.retries + 1))
        took = (call.p50_ms or self.base[0.5][callee] or 0.0) + delay[0.5][row]
        for q in QUANTILES:
            delay[q][row] = delay[q][row] + (attempts - 1) * took
        fail[row] = p ** (call.retries + 1)
        if self.inbound[callee] > 0:
            extra = self.extra.setdefault(callee, {})
            extra[caller] = _rate(call, self.services[caller]) * (attempts - 1) / self.inbound[callee]
            self.state.load[callee] = 1 + sum(extra.values())

    def _timeout(
        self, call: Call, callee: int, row: int, fail: np.ndarray, delay: dict[float, np.ndarray]
    ) -> None:
        """Calls slower than the timeout end at it, as failures (lognormal call latency)."""
        limit = float(call.timeout_ms or 0.0)
        p50 = call.p50_ms or self.base[0.5][callee]
        p90 = call.p90_ms or self.base[0.9][callee] or p50
        if p50 is None or p50 <= 0 or p90 is None:
            return
        # the share of calls beyond the limit grows as the added delay eats into it
        room = limit - delay[0.5][row]
        added = np.clip(share_below(limit, p50, p90) - share_below(room, p50, p90), 0, 1)
        fail[row] = 1 - (1 - fail[row]) * (1 - added)
        for q, base in ((0.5, p50), (0.9, p90)):
            delay[q][row] = np.minimum(base + delay[q][row], limit) - min(base, limit)


def _per_request(call: Call) -> float:
    return call.per_request if call.per_request is not None else DEFAULT_CALLS_PER_REQUEST


def _rate(call: Call, caller: Service) -> float:
    """Calls per second on an edge (1 request/s stands in for an unknown caller rate)."""
    return _per_request(call) * (caller.requests_per_s or 1.0)

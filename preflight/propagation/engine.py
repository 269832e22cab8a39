"""Propagate injected faults to callers, vectorized over Monte Carlo trials.

Only the faulty services and their transitive callers can change, so only they get rows,
numbered callees first (networkx condensation): each step is a contiguous block of rows
whose callees are all computed before it, except inside a cycle, which is iterated to a
fixed point. A step is one sparse product for its plain calls plus one batch for its calls
with a timeout, retries or parallel fan-out (`calls.py`).

Rules, per call from caller u to callee v made n times per request of u:
- errors: a call fails with v's added error probability; retries r make it fail
  with p^(r+1) and multiply the load on v by 1+p+...+p^r; a fallback absorbs the
  failure; a wrong return value is never absorbed. u's requests fail with
  1 - prod(1 - p_call)^n.
- latency: a call takes v's added latency (plus added network delay into v); a
  timeout caps it and turns the calls beyond it into failures (lognormal call
  latency through the edge's p50/p90); retried calls add their own time.
  Sequential calls add n * delay, parallel ones take the largest.
- percentiles: delays propagate as means per request (n times the callee's), for the
  p50 and the p90 separately. Only the share t of u's requests that reach changed code
  carries them (t: 1 - (1 - own share) * prod over calls of (1 - t_v)^k * (1 - r t_v),
  for n = k + r calls), so u's percentile q moves by mean / max(t, 1 - q): fully when at
  least 1 - q of its requests are touched, in proportion below. Weighting once, at the
  service reported, keeps rare calls along a chain from compounding.
- cycles: iterated member by member (Gauss-Seidel) until nothing moves; below one
  call per request around the cycle this settles, except in trials where a timeout
  inside the cycle switches on and off (those are counted and said).
- fail fast: a request of u that fails stops early, on average half-way
  (ABORT_FRACTION of its latency), so u can get faster while its errors rise.
- CPU: demand per request grows by share*(ratio-1); with utilization rho the
  M/M/1 response time scales by (1-rho)/(1-rho'), and beyond SATURATION the
  demand above capacity fails (every request queues: t = 1).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from preflight.propagation.calls import NEVER, SpecialCalls, guarded, per_request
from preflight.propagation.faults import Fault
from preflight.propagation.graph import PARALLEL, ServiceGraph
from preflight.propagation.local_faults import QUANTILES, SATURATION, UTILIZATION_PRIOR, OwnFaults, base_of

__all__ = ["ABORT_FRACTION", "QUANTILES", "SATURATION", "UTILIZATION_PRIOR", "State", "propagate"]

ABORT_FRACTION = 0.5
CYCLE_ITERATIONS = 50
CHUNK_TRIALS = 5_000
LOG_NEVER = math.log1p(-NEVER)


@dataclass
class State:
    """Per-service added effects per trial, for the services the faults reach (rows follow `names`)."""

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
    touched: np.ndarray
    """Share of each service's requests that reach changed code (per row, not per trial)."""
    assumptions: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rows = {name: i for i, name in enumerate(self.names)}


def propagate(graph: ServiceGraph, faults: list[Fault], trials: int, seed: int = 0) -> State:
    """The added errors and latency of every service the faults reach, per trial.

    Trials are independent, so they run in chunks of CHUNK_TRIALS on a thread each (numpy
    releases the GIL in its loops). The chunks do not depend on the number of cores, so
    the same seed gives the same numbers on every machine.
    """
    rng = np.random.default_rng(seed)
    steps = _plan(graph, faults)
    names = [name for _, group in steps for name in group]
    rows = {name: i for i, name in enumerate(names)}
    size = len(names)
    state = State(
        names,
        np.zeros((size, trials)),
        np.zeros((size, trials)),
        {q: np.empty((size, trials)) for q in QUANTILES},
        np.zeros((size, trials)),
        np.ones((size, trials)),
        np.zeros(size),
    )
    own = OwnFaults(graph, faults, rows, rng, trials, state.assumptions)
    engine = _Engine(graph, rows, steps, own, state.assumptions)
    state.touched[:] = engine.touched
    chunks = [_Run(engine, state, own, slice(at, at + CHUNK_TRIALS)) for at in range(0, trials, CHUNK_TRIALS)]
    _each(chunks, lambda chunk: chunk.run(None))
    if any(bool((state.load[row] > 1 + 1e-9).any()) for row in own.cpu):
        # retries multiply the load on a CPU-bound faulty service: once more with that load
        load = state.load.copy()
        _each(chunks, lambda chunk: chunk.run(load[:, chunk.columns]))
        state.load[:] = load
        state.assumptions.append("retries raise the load on a CPU-bound faulty service: simulated with it")
    _each(chunks, lambda chunk: chunk.finish())
    unsettled: dict[str, int] = {}
    for chunk in chunks:
        for cycle, count in chunk.unsettled.items():
            unsettled[cycle] = unsettled.get(cycle, 0) + count
    for cycle, count in unsettled.items():
        state.assumptions.append(
            f"the cycle {cycle} did not settle in {CYCLE_ITERATIONS} rounds in {count:,} of {trials:,} "
            "trials (calls around it reach one per request or more, or timeouts inside it switch on and "
            "off): their numbers are those of the last round"
        )
    return state


def _each(chunks: list[_Run], work: Callable[[_Run], None]) -> None:
    workers = min(len(chunks), os.cpu_count() or 1)
    if workers == 1:
        for chunk in chunks:
            work(chunk)
        return
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, chunks))


def _plan(graph: ServiceGraph, faults: list[Fault]) -> list[tuple[bool, list[str]]]:
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
                singles.append(nodes[0])
            else:
                plan.append((True, nodes))
        if singles:
            plan.append((False, sorted(singles)))
    return plan


class SparseRows:
    """A matrix of few non-zeros, as much of scipy.sparse as the engine needs: `matrix @ dense`.

    Duplicate (row, column) entries add up, as in a COO matrix. Hand-written because
    importing scipy.sparse costs the pre-push hook more than a whole Monte Carlo run.
    """

    def __init__(self, values: list[float], at: list[int], to: list[int], shape: tuple[int, int]) -> None:
        order = np.argsort(np.asarray(at, dtype=np.intp), kind="stable")
        self.to = np.asarray(to, dtype=np.intp)[order]
        self.values = np.asarray(values, dtype=float)[order]
        self.rows, self.starts = np.unique(np.asarray(at, dtype=np.intp)[order], return_index=True)
        self.shape = shape

    def __matmul__(self, dense: np.ndarray) -> np.ndarray:
        out = np.zeros((self.shape[0], dense.shape[1]))
        out[self.rows] = np.add.reduceat(self.values[:, None] * dense[self.to], self.starts, axis=0)
        return out


@dataclass
class _Step:
    start: int
    stop: int
    fail: Any
    """SparseRows (step rows x all rows): n of plain calls without a fallback, for log-survival (None: none)."""
    wrong: Any
    """Sparse: n of every plain call, for wrong values (no fallback absorbs them)."""
    delay: Any
    """Sparse: n of every plain sequential call, for mean delays."""
    special: SpecialCalls | None
    faulty: list[int]


class _Engine:
    """The reached services' calls as arrays, one batched update per step."""

    def __init__(
        self,
        graph: ServiceGraph,
        rows: dict[str, int],
        steps: list[tuple[bool, list[str]]],
        own: OwnFaults,
        assumptions: list[str],
    ) -> None:
        size = len(rows)
        services = [graph.service(name) for name in rows]
        self.base = {q: [base_of(s, q) for s in services] for q in QUANTILES}
        self.floor = {q: np.array([b or 0.0 for b in self.base[q]])[:, None] for q in QUANTILES}
        """The latency before (0 when unknown): a service cannot get faster than that."""
        rate = [s.requests_per_s or 1.0 for s in services]
        out: dict[int, list[tuple[int, Any]]] = {}
        inbound = np.zeros(size)
        """Calls per second into each service (the denominator of its load factor)."""
        defaulted = []
        for call in graph.calls():
            # every caller of a reached service is reached: calls between reached services are all
            if call.caller in rows and call.callee in rows:
                caller, callee = rows[call.caller], rows[call.callee]
                out.setdefault(caller, []).append((callee, call))
                inbound[callee] += per_request(call) * rate[caller]
                if call.per_request is None:
                    defaulted.append(f"{call.caller}->{call.callee}")
        if defaulted:
            assumptions.append(
                f"no measured rate for {len(defaulted)} call(s) ({', '.join(sorted(defaulted)[:5])}"
                f"{', ...' if len(defaulted) > 5 else ''}): assumed 1 per request"
            )
        self.blocks: list[tuple[bool, list[tuple[_Step, _Step | None]]]] = []
        """Callees first: a step over a generation of services, or a cycle: per member, a step for
        its calls out of the cycle (fixed while it settles) and one for the calls inside it,
        iterated Gauss-Seidel (each member sees the others' latest values)."""
        start = 0
        for cycle, group in steps:
            stop = start + len(group)
            if not cycle:
                self.blocks.append((False, [(self._step(start, stop, out, own, rate, inbound), None)]))
            else:
                inside = range(start, stop)
                members: list[tuple[_Step, _Step | None]] = []
                for row in inside:
                    calls = [(callee, call) for callee, call in out.get(row, ()) if callee not in inside]
                    loops = [(callee, call) for callee, call in out.get(row, ()) if callee in inside]
                    members.append(
                        (
                            self._step(row, row + 1, {row: calls}, own, rate, inbound),
                            self._step(row, row + 1, {row: loops}, own, rate, inbound),
                        )
                    )
                self.blocks.append((True, members))
            start = stop
        self.touched = _touched(self.blocks, out, own.touched, size)

    def _step(
        self,
        start: int,
        stop: int,
        out: dict[int, list[tuple[int, Any]]],
        own: OwnFaults,
        rate: list[float],
        inbound: np.ndarray,
    ) -> _Step:
        """Rows start..stop: their plain calls as sparse matrices, the rest as special calls."""
        plain: dict[str, tuple[list[int], list[int], list[float]]] = {
            name: ([], [], []) for name in ("fail", "wrong", "delay")
        }
        special = []
        for caller in range(start, stop):
            for callee, call in out.get(caller, ()):
                if guarded(call) or call.mode == PARALLEL:
                    special.append((caller, callee, call))
                if guarded(call):
                    continue
                names = ("wrong",) if call.fallback else ("fail", "wrong")
                for name in names if call.mode == PARALLEL else (*names, "delay"):
                    plain[name][0].append(caller - start)
                    plain[name][1].append(callee)
                    plain[name][2].append(per_request(call))
        size = len(inbound)
        matrices = {
            name: SparseRows(values, at, to, (stop - start, size)) if values else None
            for name, (at, to, values) in plain.items()
        }
        return _Step(
            start,
            stop,
            matrices["fail"],
            matrices["wrong"],
            matrices["delay"],
            SpecialCalls(special, start, self.base[0.5], self.base[0.9], rate, inbound) if special else None,
            [row for row in range(start, stop) if row in own.touched],
        )


class _Run:
    """One chunk of trials (columns) through the engine's steps, with its own working arrays."""

    def __init__(self, engine: _Engine, state: State, own: OwnFaults, columns: slice) -> None:
        self.engine, self.columns = engine, columns
        self.state = State(
            state.names,
            state.error[:, columns],
            state.wrong[:, columns],
            {q: delay[:, columns] for q, delay in state.delay.items()},
            state.network[:, columns],
            state.load[:, columns],
            state.touched,
        )
        self.own = own.columns(columns)
        size, trials = self.state.error.shape
        self.log_fail = np.zeros((size, trials))
        self.log_wrong = np.zeros((size, trials)) if own.wrong else None
        self.seen = np.zeros((size, 2 * trials))
        """Per reached service, as its callers see it: mean added delay + network, p50 | p90 halves."""
        self.extra: dict[tuple[int, int], np.ndarray] = {}
        """(callee, caller) -> extra load on the callee from that caller's retries (recomputed each time)."""
        self.unsettled: dict[str, int] = {}
        """Cycle -> trials still moving after CYCLE_ITERATIONS rounds."""

    def run(self, load: np.ndarray | None) -> None:
        state = self.state
        for cycle, steps in self.engine.blocks:
            if not cycle:
                self._update(steps[0][0], load)
                continue
            rows = slice(steps[0][0].start, steps[-1][0].stop)
            outside = [self._sum(step) for step, _ in steps]
            for _ in range(CYCLE_ITERATIONS):
                before = state.error[rows].copy(), self.seen[rows].copy()
                for (step, inner), fixed in zip(steps, outside, strict=True):
                    assert inner is not None
                    self._update_member(step, inner, fixed, load)
                if np.allclose(before[0], state.error[rows], rtol=0, atol=1e-6) and np.allclose(
                    before[1], self.seen[rows], rtol=0, atol=1e-3
                ):
                    break
            else:
                moving = (np.abs(before[0] - state.error[rows]) > 1e-6).any(axis=0)
                moving |= (
                    (np.abs(before[1] - self.seen[rows]) > 1e-3)
                    .reshape(len(before[1]), 2, -1)
                    .any(axis=(0, 1))
                )
                names = ", ".join(state.names[rows])
                self.unsettled[names] = self.unsettled.get(names, 0) + int(moving.sum())

    def _sum(self, step: _Step) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """What a step's calls bring from the callees' current state: log-survival, summed delay,
        and the largest parallel delay (rows follow the step's `special.par_at`)."""
        rows, trials = step.stop - step.start, self.log_fail.shape[1]
        survive = step.fail @ self.log_fail if step.fail is not None else np.zeros((rows, trials))
        if self.log_wrong is not None and step.wrong is not None:
            survive += step.wrong @ self.log_wrong
        delay = step.delay @ self.seen if step.delay is not None else np.zeros((rows, 2 * trials))
        peak = None
        if step.special is not None:
            wrong = self.state.wrong if self.log_wrong is not None else None
            peak = step.special.add(self.state.error, wrong, self.seen, survive, delay, self.extra)
            for callee in {callee for callee, _ in step.special.retried_pairs}:
                total = sum(v for (c, _), v in self.extra.items() if c == callee)
                self.state.load[callee] = 1 + total
        return survive, delay, peak

    def _update(self, step: _Step, load: np.ndarray | None) -> None:
        """Recompute a step's rows from their callees' current state, then add their own faults."""
        survive, delay, peak = self._sum(step)
        if peak is not None and step.special is not None:
            delay[step.special.par_at] += np.maximum(peak, 0.0)
        self._settle(step, survive, delay, load)

    def _update_member(
        self,
        step: _Step,
        inner: _Step,
        outside: tuple[np.ndarray, np.ndarray, np.ndarray | None],
        load: np.ndarray | None,
    ) -> None:
        """A cycle member: what its calls out of the cycle bring (computed once) plus calls inside it."""
        survive, delay, peak = self._sum(inner)
        survive += outside[0]
        delay += outside[1]
        peaks = [p[0] for p in (peak, outside[2]) if p is not None and len(p)]
        if peaks:  # one row: the parallel calls in and out of the cycle together
            delay[0] += (
                np.maximum(np.maximum.reduce(peaks), 0.0) if len(peaks) > 1 else np.maximum(peaks[0], 0.0)
            )
        self._settle(step, survive, delay, load)

    def _settle(self, step: _Step, survive: np.ndarray, delay: np.ndarray, load: np.ndarray | None) -> None:
        """The step's rows from their callees' sum: errors, fail fast, own faults, what callers see."""
        state, own, engine = self.state, self.own, self.engine
        trials = state.error.shape[1]
        rows = slice(step.start, step.stop)
        # log(1 - error) is the log-survival itself (kept above log(1 - NEVER)): no log needed
        np.maximum(survive, LOG_NEVER, out=self.log_fail[rows])
        np.expm1(survive, out=survive)
        child = np.negative(survive, out=state.error[rows])
        for q, half in _halves(trials):
            part = delay[:, half]
            floor = engine.floor[q][rows]
            if floor.any():
                part -= np.multiply(child, ABORT_FRACTION * floor, out=survive)  # survive: scratch now
                np.maximum(part, -floor, out=part)
            else:
                np.maximum(part, 0.0, out=part)
        for row in step.faulty:
            i = row - step.start
            own.apply(
                row,
                {q: engine.base[q][row] for q in QUANTILES},
                (load if load is not None else state.load)[row],
                state.error[row],
                state.wrong[row],
                {0.5: delay[i, :trials], 0.9: delay[i, trials:]},
                state.network[row],
            )
            if row in own.network:
                delay[i] += np.tile(own.network[row], 2)
            # own faults change the row's errors (only faulty rows ever have wrong values)
            self.log_fail[row] = np.log1p(-np.minimum(state.error[row], NEVER))
            if self.log_wrong is not None:
                self.log_wrong[row] = np.log1p(-np.minimum(state.wrong[row], NEVER))
        self.seen[rows] = delay

    def finish(self) -> None:
        """Turn the mean delays into the percentiles reported (see the module docstring)."""
        engine = self.engine
        for q, half in _halves(self.state.error.shape[1]):
            part = self.seen[:, half]
            for row, network in self.own.network.items():
                part[row] -= network
            reported = self.state.delay[q]
            np.divide(part, np.maximum(engine.touched, 1 - q)[:, None], out=reported)
            np.maximum(reported, -engine.floor[q], out=reported)


def _touched(
    blocks: list[tuple[bool, list[tuple[_Step, _Step | None]]]],
    out: dict[int, list[tuple[int, Any]]],
    own: dict[int, float],
    size: int,
) -> np.ndarray:
    """Share of each service's requests that reach changed code, callees first (cycles iterated)."""
    touched = np.zeros(size)
    for cycle, steps in blocks:
        start, stop = steps[0][0].start, steps[-1][0].stop
        for _ in range(CYCLE_ITERATIONS if cycle else 1):
            before = touched[start:stop].copy()
            for row in range(start, stop):
                miss = 1 - own.get(row, 0.0)
                for callee, call in out.get(row, ()):
                    n = per_request(call)
                    whole = math.floor(n)
                    miss *= (1 - touched[callee]) ** whole * (1 - (n - whole) * touched[callee])
                touched[row] = 1 - miss
            if np.allclose(before, touched[start:stop], rtol=0, atol=1e-9):
                break
    return touched


def _halves(trials: int) -> tuple[tuple[float, slice], tuple[float, slice]]:
    """Where each percentile's delays sit in a (rows, 2 * trials) array: p50 | p90."""
    return (0.5, slice(0, trials)), (0.9, slice(trials, None))

"""Propagate injected faults to callers, vectorized over scenarios and their requests.

Only the faulty services and their transitive callers can change, so only they get rows,
numbered callees first (networkx condensation): each step is a contiguous block of rows
whose callees are all computed before it, except inside a cycle, which is iterated to a
fixed point. A step is a few sparse products for its plain calls plus one batch for its
calls with a timeout, retries or parallel fan-out (`calls.py`).

Trials are scenarios of requests (`sampling.py`): errors are shares per scenario, latency
is per request. Rules, per call from caller u to callee v made n times per request of u:
- errors: a call fails with v's added error probability; retries r make it fail
  with p^(r+1) and multiply the load on v by 1+p+...+p^r; a fallback absorbs the
  failure; a wrong return value is never absorbed. u's requests fail with
  1 - prod(1 - p_call)^n.
- latency: each request of u adds what its calls to v added, request by request: below one
  call per request, only the requests that make the call (a share n of them) get one of
  v's requests' added time; at n >= 1, n calls' sum, with their mean and spread (n times
  the mean, sqrt(n) times the deviation). A timeout caps a call and turns the calls beyond
  it into failures (lognormal call latency through the edge's p50/p90); retried calls add
  their own time. Parallel calls take the slowest branch (see `calls.py`). So a fault in a
  rarely made call moves only the requests that make it, and the percentiles of u come out
  of its requests: its own latency before (the lognormal through its p50 and p90) plus
  what was added.
- cycles: iterated member by member (Gauss-Seidel) until nothing moves; a call inside a
  cycle adds n times the callee's mean added time (a request-level mixture around a cycle
  need not settle); below one call per request around the cycle this settles, except in
  scenarios where a timeout inside the cycle switches on and off (those are counted and said).
- fail fast: a request of u that fails stops early, half-way (ABORT_FRACTION of its
  latency), so u can get faster while its errors rise.
- CPU: demand per request grows by share*(ratio-1); with utilization rho the
  M/M/1 response time scales by (1-rho)/(1-rho'), and beyond SATURATION the
  demand above capacity fails; services sharing its host slow as the host's queue grows
  (`hosts.py`). A service whose utilization is known and whose load retries change is run
  once more with that load (its queue grows with it).
- groups (a service split into route nodes, `routes.py`): the service's row is the mixture
  of its routes' requests; latency SLO thresholds are counted over the requests (State.below).

The plan of steps and their arrays are built once (`steps.py`) and run per chunk of scenarios.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from preflight.propagation import hosts, sampling
from preflight.propagation.calls import NEVER
from preflight.propagation.faults import Fault
from preflight.propagation.graph import ServiceGraph
from preflight.propagation.local_faults import SATURATION, UTILIZATION_PRIOR, OwnFaults
from preflight.propagation.sampling import QUANTILES, SAMPLE, Draws, fail_slot
from preflight.propagation.steps import Step, Steps, plan

__all__ = ["ABORT_FRACTION", "QUANTILES", "SATURATION", "UTILIZATION_PRIOR", "State", "propagate"]

ABORT_FRACTION = 0.5
CYCLE_ITERATIONS = 50
CHUNK_TRIALS = 5_000
QUEUE_TOLERANCE = 0.01
"""A second pass only when a queue simulated with the load its errors imply is more than 1% off the
one the callers' retries made (a timeout on a retried call can add failures)."""
LOG_NEVER = math.log1p(-NEVER)


@dataclass
class State:
    """Per-service added effects per scenario, for the services the faults reach (rows follow `names`)."""

    names: list[str]
    shape: sampling.Layout
    error: np.ndarray
    """Added share of requests that fail."""
    wrong: np.ndarray
    """Added share of responses with a wrong value (the caller fails on them)."""
    delay: dict[float, np.ndarray]
    """Quantile -> added server-side latency at that percentile, ms."""
    network: np.ndarray
    """Mean added latency on calls into the service, ms."""
    load: np.ndarray
    """Requests received relative to before."""
    assumptions: list[str] = field(default_factory=list)
    below: dict[tuple[str, float], np.ndarray] = field(default_factory=dict)
    """(service, threshold ms) -> change of the share of its requests under it, per scenario."""
    rows: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rows = {name: i for i, name in enumerate(self.names)}


def propagate(
    graph: ServiceGraph,
    faults: list[Fault],
    trials: int,
    seed: int = 0,
    groups: Mapping[str, tuple[tuple[str, float], ...]] | None = None,
    thresholds: Mapping[str, Sequence[float]] | None = None,
) -> State:
    """The added errors and latency of every service the faults reach, per scenario.

    groups: name -> nodes of the graph and their shares of its requests (a service split into
    route nodes): a group some of whose nodes the faults reach gets a row of its own, the
    mixture of its nodes' requests (latency) and their share-weighted errors and load.
    thresholds: name -> latency thresholds (ms) whose share of requests under them is counted
    (State.below), for latency SLOs.

    Scenarios are independent, so they run in chunks of about CHUNK_TRIALS trials on a thread
    each (numpy releases the GIL in its loops). The chunks do not depend on the number of
    cores, so the same seed gives the same numbers on every machine.
    """
    rng = np.random.default_rng(seed)
    owners = {node: name for name, members in (groups or {}).items() for node, _ in members}
    near = hosts.neighbours(graph.services(), [f.service for f in faults if f.kind == "cpu"], owners)
    uncertain = any(
        f.low != f.high or (f.kind == "cpu" and graph.service(f.service).utilization is None) for f in faults
    ) or any(s.utilization is None and s.hosts for s in graph.services() if near)
    shape = sampling.layout(trials, uncertain)
    steps = plan(graph, [f.service for f in faults] + [n.node for n in near], groups or {})
    names = [name for _, group in steps for name in group]
    rows = {name: i for i, name in enumerate(names)}
    mixed = {
        name: tuple((rows[node], share) for node, share in members)
        for name, members in (groups or {}).items()
        if any(node in rows for node, _ in members)
    }
    nodes = len(names)
    names += list(mixed)
    size, scenarios = len(names), shape.scenarios
    state = State(
        names,
        shape,
        np.zeros((size, scenarios)),
        np.zeros((size, scenarios)),
        {q: np.zeros((size, scenarios)) for q in QUANTILES},
        np.zeros((size, scenarios)),
        np.ones((size, scenarios)),
    )
    orders = Draws([graph.service(name) for name in names[:nodes]], rng, shape)
    own = OwnFaults(
        graph, faults, rows, rng, shape, orders.base, orders.pool, state.assumptions, near, owners
    )
    engine = Steps(graph, rows, steps, own, orders, state.assumptions)
    engine.mixed = {nodes + i: members for i, members in enumerate(mixed.values())}
    for name, limits in (thresholds or {}).items():
        if name in state.rows:
            for limit in limits:
                state.below[(name, limit)] = np.zeros(scenarios)
    per = max(1, CHUNK_TRIALS // shape.requests)
    chunks = [_Run(engine, state, own, slice(at, at + per)) for at in range(0, scenarios, per)]
    _each(chunks, lambda chunk: chunk.run(None))
    loaded = [row for row in own.cpu if bool((state.load[row] > 1 + 1e-9).any())]
    queued = [row for row in engine.queued if bool((np.abs(state.load[row] - 1) > 1e-9).any())]
    missed = [
        row
        for row in engine.queued
        if (rho := engine.utilization[row]) > 0
        and any(
            bool(
                (
                    np.abs(_queue(rho, chunk.state.load[row]) / _queue(rho, chunk.used[row]) - 1)
                    > QUEUE_TOLERANCE
                ).any()
            )
            for chunk in chunks
        )
    ]
    if loaded or missed:
        # the loads simulated with were not those the callers' retries made: once more with them
        load = state.load.copy()
        _each(chunks, lambda chunk: chunk.run(load[:, chunk.scenarios]))
        state.load[:] = load
        if loaded:
            state.assumptions.append(
                "retries raise the load on a CPU-bound faulty service: simulated with it"
            )
    if queued:
        listed = ", ".join(names[row] for row in queued[:5]) + (", ..." if len(queued) > 5 else "")
        state.assumptions.append(
            f"the load on {len(queued)} service(s) changes (retries: {listed}): their queues grow with "
            "it (M/M/1 at their utilization)"
        )
    _each(chunks, lambda chunk: chunk.finish())
    for row, members in engine.mixed.items():
        for name in ("error", "wrong", "load", "network"):
            values = getattr(state, name)
            values[row] = sum(share * values[member] for member, share in members)
    unsettled: dict[str, int] = {}
    for chunk in chunks:
        for cycle, count in chunk.unsettled.items():
            unsettled[cycle] = unsettled.get(cycle, 0) + count
    for cycle, count in unsettled.items():
        state.assumptions.append(
            f"the cycle {cycle} did not settle in {CYCLE_ITERATIONS} rounds in {count:,} of {scenarios:,} "
            "scenarios (calls around it reach one per request or more, or timeouts inside it switch on "
            "and off): their numbers are those of the last round"
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


class _Run:
    """One chunk of scenarios through the engine's steps, with its own working arrays."""

    def __init__(self, engine: Steps, state: State, own: OwnFaults, scenarios: slice) -> None:
        self.engine, self.scenarios = engine, scenarios
        self.state = State(
            state.names,
            state.shape,
            state.error[:, scenarios],
            state.wrong[:, scenarios],
            {q: delay[:, scenarios] for q, delay in state.delay.items()},
            state.network[:, scenarios],
            state.load[:, scenarios],
        )
        self.state.below = state.below  # whole arrays: finish writes its scenarios' part
        self.own = own.columns(scenarios)
        self.pool = engine.orders.pool[:, scenarios]
        self.order = engine.orders.seen(slice(0, len(engine.orders.base)), scenarios)
        """Per row, scenario and position: which of its own requests its callers meet there."""
        size, count = self.state.error.shape
        self.requests = state.shape.requests
        self.log_fail = np.zeros((size, count))
        self.log_wrong = np.zeros((size, count)) if own.wrong else None
        self.seen = np.zeros((size, count * self.requests), dtype=SAMPLE)
        """Per reached service, as its callers meet its requests: added time + wire delay, per request."""
        self.means = np.zeros((size, count))
        """seen's mean per scenario."""
        self.used = np.ones((size, count))
        """The load each queued row was simulated with (its queue grows with it)."""
        self.extra: dict[tuple[int, int], np.ndarray] = {}
        """(callee, caller) -> extra load on the callee from that caller's retries (recomputed each time)."""
        self.unsettled: dict[str, int] = {}
        """Cycle -> scenarios still moving after CYCLE_ITERATIONS rounds."""

    def run(self, load: np.ndarray | None) -> None:
        """Every step in order (with load: the loads the callers' retries made, from a first pass)."""
        state = self.state
        for cycle, steps in self.engine.blocks:
            if not cycle:
                self._update(steps[0][0], load)
                continue
            rows = slice(steps[0][0].start, steps[-1][0].stop)
            outside = [self._sum(step) for step, _ in steps]
            for _ in range(CYCLE_ITERATIONS):
                before = state.error[rows].copy(), self.means[rows].copy()
                for (step, inner), fixed in zip(steps, outside, strict=True):
                    assert inner is not None
                    self._update_member(step, inner, fixed, load)
                if np.allclose(before[0], state.error[rows], rtol=0, atol=1e-6) and np.allclose(
                    before[1], self.means[rows], rtol=0, atol=1e-3
                ):
                    break
            else:
                moving = (np.abs(before[0] - state.error[rows]) > 1e-6).any(axis=0)
                moving |= (np.abs(before[1] - self.means[rows]) > 1e-3).any(axis=0)
                names = ", ".join(state.names[rows])
                self.unsettled[names] = self.unsettled.get(names, 0) + int(moving.sum())

    def _sum(self, step: Step) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """What a step's calls bring from the callees' current state: log-survival per scenario,
        summed delay per request, and the parallel calls' added time (rows follow `special.par_at`)."""
        rows, count = step.stop - step.start, self.log_fail.shape[1]
        survive = step.fail @ self.log_fail if step.fail is not None else np.zeros((rows, count))
        if self.log_wrong is not None and step.wrong is not None:
            survive += step.wrong @ self.log_wrong
        delay = (
            step.summed @ self.seen
            if step.summed is not None
            else np.zeros((rows, self.seen.shape[1]), dtype=SAMPLE)
        )
        if step.mean is not None:
            delay += np.repeat(step.mean @ self.means, self.requests, axis=1)
        if step.masked is not None:
            step.masked.add(self.seen, self.pool, delay)
        peak = None
        if step.special is not None:
            wrong = self.state.wrong if self.log_wrong is not None else None
            peak = step.special.add(self.state.error, wrong, self.seen, self.pool, survive, delay, self.extra)
            for callee in {callee for callee, _ in step.special.retried_pairs}:
                total = sum(v for (c, _), v in self.extra.items() if c == callee)
                self.state.load[callee] = 1 + total
        return survive, delay, peak

    def _update(self, step: Step, load: np.ndarray | None) -> None:
        """Recompute a step's rows from their callees' current state, then add their own faults."""
        survive, delay, peak = self._sum(step)
        if peak is not None and step.special is not None:
            delay[step.special.par_at] += peak
        self._settle(step, survive, delay, load)

    def _update_member(
        self,
        step: Step,
        inner: Step,
        outside: tuple[np.ndarray, np.ndarray, np.ndarray | None],
        load: np.ndarray | None,
    ) -> None:
        """A cycle member: what its calls out of the cycle bring (computed once) plus calls inside it."""
        survive, delay, peak = self._sum(inner)
        survive += outside[0]
        delay += outside[1]
        peaks = [p[0] for p in (peak, outside[2]) if p is not None and len(p)]
        if peaks:  # one row: the parallel calls in and out of the cycle together (an approximation:
            # the slowest of the two groups' added times)
            delay[0] += np.maximum.reduce(peaks) if len(peaks) > 1 else peaks[0]
        self._settle(step, survive, delay, load)

    def _settle(self, step: Step, survive: np.ndarray, delay: np.ndarray, load: np.ndarray | None) -> None:
        """The step's rows from their callees' sum: errors, fail fast, own faults, what callers see."""
        state, own, orders = self.state, self.own, self.engine.orders
        rows = slice(step.start, step.stop)
        count, requests = survive.shape[1], self.requests
        # log(1 - error) is the log-survival itself (kept above log(1 - NEVER)): no log needed
        np.maximum(survive, LOG_NEVER, out=self.log_fail[rows])
        np.expm1(survive, out=survive)
        failed = np.negative(survive, out=state.error[rows])
        per = delay.reshape(step.stop - step.start, count, requests)
        base = orders.base[rows][:, None, :]
        if failed.any():
            first = self.pool[[fail_slot(row) for row in range(step.start, step.stop)]]
            per -= ABORT_FRACTION * (first < sampling.below(failed[:, :, None], requests)) * base
        np.maximum(per, -base, out=per)  # a request never takes less than no time
        for row in step.faulty:
            i = row - step.start
            own.apply(
                row,
                (load if load is not None else state.load)[row],
                state.error[row],
                state.wrong[row],
                per[i],
            )
            # own faults change the row's errors (only faulty rows ever have wrong values)
            self.log_fail[row] = np.log1p(-np.minimum(state.error[row], NEVER))
            if self.log_wrong is not None:
                self.log_wrong[row] = np.log1p(-np.minimum(state.wrong[row], NEVER))
        for row in step.queued:
            # the load its callers' retries put on it: known in a second pass, else what its own
            # errors make them retry (exact unless a timeout on a retried call adds failures)
            used = load[row] if load is not None else self._retried(row)
            self.used[row] = used
            queue = _queue(self.engine.utilization[row], used)
            per[row - step.start] += (queue - 1)[:, None] * orders.base[row]
        seen = np.take_along_axis(per, self.order[rows], axis=2)
        for row in step.faulty:
            network = own.network.get(row)
            if network is not None:
                seen[row - step.start] += network
        self.seen[rows] = seen.reshape(len(seen), -1)
        self.means[rows] = seen.mean(axis=2)

    def _retried(self, row: int) -> np.ndarray:
        """The load on a row from its callers' retries, given its errors now: 1 + the share of each
        retried call times its expected extra attempts p + ... + p^r."""
        p = self.state.error[row]
        total = np.ones_like(p)
        for share, retries in self.engine.retried_into.get(row, ()):
            total += share * sum(p**k for k in range(1, retries + 1))
        return np.asarray(total)

    def finish(self) -> None:
        """The percentiles of every row's requests (own latency before + added), less those before;
        a group's from the mixture of its nodes' requests."""
        orders, state = self.engine.orders, self.state
        nodes = len(orders.base)
        size, count = state.error.shape
        seen = self.seen.reshape(size, count, self.requests)[:nodes]
        for row, network in self.own.network.items():
            state.network[row] = network.mean(axis=1)
            seen[row] -= network
        moved = np.flatnonzero(seen.any(axis=(1, 2)))
        for at in range(0, len(moved), 256):  # bounded scratch memory
            part = moved[at : at + 256]
            found = sampling.quantiles(self._after(part), QUANTILES)
            for q, value, before in zip(QUANTILES, found, orders.base_q, strict=True):
                state.delay[q][part] = value - before[part][:, None]
        for row, members in self.engine.mixed.items():
            rows = np.array([member for member, _ in members])
            if not seen[rows].any():
                continue
            take = _allocate([share for _, share in members], self.requests)
            after = np.concatenate(
                [self._after(np.array([m]))[0][:, :k] for m, k in zip(rows, take, strict=True)], axis=1
            )
            before = np.concatenate(
                [self._after(np.array([m]), moved=False)[0][:, :k] for m, k in zip(rows, take, strict=True)],
                axis=1,
            )
            for q, value, base in zip(
                QUANTILES,
                sampling.quantiles(after, QUANTILES),
                sampling.quantiles(before, QUANTILES),
                strict=True,
            ):
                state.delay[q][row] = value - base
        self._below()

    def _below(self) -> None:
        """For each counted threshold: the change of the share of requests under it (a group's:
        its nodes' share-weighted)."""
        state, nodes = self.state, len(self.engine.orders.base)
        for (name, limit), change in state.below.items():
            row = state.rows[name]
            total = np.zeros(change[self.scenarios].shape)
            for member, share in self.engine.mixed.get(row, ((row, 1.0),)):
                if member < nodes:
                    after = self._after(np.array([member]))[0]
                    before = self._after(np.array([member]), moved=False)[0]
                    total += share * ((after <= limit).mean(axis=1) - (before <= limit).mean(axis=1))
            change[self.scenarios] = total

    def _after(self, rows: np.ndarray, moved: bool = True) -> np.ndarray:
        """rows x scenarios x requests: each request's latency after (before, moved=False), in the
        order callers meet them."""
        orders = self.engine.orders
        size, count = self.state.error.shape
        base = np.take_along_axis(orders.base[rows][:, None, :], self.order[rows], axis=2)
        if not moved:
            return np.asarray(np.broadcast_to(base, (len(rows), count, self.requests)))
        return np.asarray(np.maximum(self.seen.reshape(size, count, self.requests)[rows] + base, 0.0))


def _queue(rho: float, load: np.ndarray) -> np.ndarray:
    """The M/M/1 response time at utilization rho under `load` times the requests, relative to 1."""
    return np.asarray((1 - rho) / (1 - np.minimum(rho * load, SATURATION)))


def _allocate(shares: list[float], requests: int) -> list[int]:
    """Requests per member in proportion to its share, adding up to requests (largest remainders)."""
    total = sum(shares) or 1.0
    exact = [share / total * requests for share in shares]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(shares)), key=lambda i: exact[i] - counts[i], reverse=True)[
        : requests - sum(counts)
    ]:
        counts[i] += 1
    return counts

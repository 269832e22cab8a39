"""One chunk of scenarios through the plan of steps (engine.py runs them, one thread each).

A chunk holds its own working arrays (per reached service, its requests as callers meet
them, their means, log-survival) and fills its columns of the engine's State. What its
scenarios fix of the calls (where a call made in some requests is made, parallel branches'
times before) is found once, on its first run, and reused by every pass and cycle round.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from preflight.propagation import sampling
from preflight.propagation.calls import NEVER, Fixed
from preflight.propagation.local_faults import SATURATION, OwnFaults
from preflight.propagation.sampling import QUANTILES, SAMPLE, fail_slot
from preflight.propagation.sparse import Made
from preflight.propagation.steps import Step, Steps

ABORT_FRACTION = 0.5
CYCLE_ITERATIONS = 50
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

    def columns(self, scenarios: slice) -> State:
        """The same state for a chunk of the scenarios: views, so a chunk writes its part in place
        (below: whole arrays, a chunk writes its scenarios' part)."""
        chunk = State(
            self.names,
            self.shape,
            self.error[:, scenarios],
            self.wrong[:, scenarios],
            {q: delay[:, scenarios] for q, delay in self.delay.items()},
            self.network[:, scenarios],
            self.load[:, scenarios],
        )
        chunk.below = self.below
        return chunk


class Chunk:
    """One chunk of scenarios through the engine's steps, with its own working arrays."""

    def __init__(self, engine: Steps, state: State, own: OwnFaults, scenarios: slice) -> None:
        """state: the whole state, whose columns `scenarios` this chunk fills."""
        self.engine, self.scenarios = engine, scenarios
        self.state = state.columns(scenarios)
        self.own = own.columns(scenarios)
        self.pool = engine.orders.pool[:, scenarios]
        size, count = self.state.error.shape
        self.requests = state.shape.requests
        order = engine.orders.seen(slice(0, len(engine.orders.base)), scenarios)
        width = count * self.requests
        kind = np.int32 if width < 2**31 else np.intp
        self.order = (
            order.astype(kind, copy=False) + np.arange(count, dtype=kind)[:, None] * self.requests
        ).reshape(len(order), width)
        """Per row and position (scenario-major): which of its own requests (same scenario) its
        callers meet there, as a position in its row."""
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
        self.made: dict[int, Made] = {}
        """id(a step's MaskedRows) -> where this chunk makes its calls (found in the first run)."""
        self.fixed: dict[int, Fixed] = {}
        """id(a step's SpecialCalls) -> what this chunk's scenarios fix of them (found in the first run)."""
        self.ready = False

    def run(self, load: np.ndarray | None) -> None:
        """Every step in order (with load: the loads the callers' retries made, from a first pass)."""
        state = self.state
        if not self.ready:
            self._fix()
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

    def _fix(self) -> None:
        """What this chunk's scenarios fix of every step's calls: the same in every pass and every
        round of a cycle, so found once (before the passes' scratch arrays come and go)."""
        self.ready = True
        places: dict[tuple[int, int], np.ndarray] = {}  # shared by the steps
        for _, members in self.engine.blocks:
            for step in (s for member in members for s in member if s is not None):
                if step.masked is not None:
                    self.made[id(step.masked)] = step.masked.made(self.pool, places)
                if step.special is not None:
                    self.fixed[id(step.special)] = step.special.fixed(self.pool)

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
            self.made[id(step.masked)].add(self.seen, delay)
        peak = None
        if step.special is not None:
            wrong = self.state.wrong if self.log_wrong is not None else None
            fixed = self.fixed[id(step.special)]
            peak = step.special.add(self.state.error, wrong, self.seen, fixed, survive, delay, self.extra)
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
        size = step.stop - step.start
        per = delay.reshape(size, count, requests)
        base = orders.base[rows][:, None, :]
        failing = _rows(failed.any(axis=1))
        if failing is not None:
            first = self.pool[[fail_slot(step.start + i) for i in np.arange(size)[failing].tolist()]]
            aborted = first < sampling.below(failed[failing][:, :, None], requests)
            # in float32: half a float32 is exact, so the difference rounds as it would in float64
            per[failing] -= aborted * (ABORT_FRACTION * base[failing])
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
        if step.queued:
            for row in step.queued:
                # the load its callers' retries put on it: known in a second pass, else what its
                # own errors make them retry (exact unless a timeout on a retried call adds failures)
                self.used[row] = load[row] if load is not None else self._retried(row)
            queued = np.array(step.queued)
            queue = queue_growth(self.engine.utilization[queued][:, None], self.used[queued])
            grown = (queue != 1).any(axis=1)  # a queue at its load before adds nothing
            queued, queue = queued[grown], queue[grown]
            per[queued - step.start] += (queue - 1)[:, :, None] * orders.base[queued][:, None, :]
        # each caller position meets the request self.order says (a position in the same row)
        flat = per.reshape(size, -1)
        for i, row in enumerate(range(step.start, step.stop)):
            flat[i].take(self.order[row], out=self.seen[row])
        seen = self.seen[rows].reshape(size, count, requests)
        for row in step.faulty:
            network = own.network.get(row)
            if network is not None:
                seen[row - step.start] += network
        averaged = self.engine.averaged[rows]
        if averaged.all():
            self.means[rows] = seen.mean(axis=2)
        elif averaged.any():
            at = np.flatnonzero(averaged)
            self.means[step.start + at] = seen[at].mean(axis=2)

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
            take = allocate([share for _, share in members], self.requests)
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
        order = orders.seen(rows, self.scenarios)  # per row, scenario and position: which request
        order += (np.arange(len(rows), dtype=order.dtype) * self.requests)[:, None, None]
        base = orders.base[rows].reshape(-1).take(order)
        if not moved:
            return np.asarray(np.broadcast_to(base, (len(rows), count, self.requests)))
        return np.asarray(np.maximum(self.seen.reshape(size, count, self.requests)[rows] + base, 0.0))


def _rows(which: np.ndarray) -> slice | np.ndarray | None:
    """A row selection: every row as a slice (no copy), some as indices, none as None."""
    if which.all():
        return slice(None)
    return np.flatnonzero(which) if which.any() else None


def queue_growth(rho: float | np.ndarray, load: np.ndarray) -> np.ndarray:
    """The M/M/1 response time at utilization rho under `load` times the requests, relative to 1."""
    return np.asarray((1 - rho) / (1 - np.minimum(rho * load, SATURATION)))


def allocate(shares: list[float], requests: int) -> list[int]:
    """Requests per member in proportion to its share, adding up to requests (largest remainders)."""
    total = sum(shares) or 1.0
    exact = [share / total * requests for share in shares]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(shares)), key=lambda i: exact[i] - counts[i], reverse=True)[
        : requests - sum(counts)
    ]:
        counts[i] += 1
    return counts

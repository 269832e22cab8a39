"""Calls with a timeout, retries or parallel fan-out: one batch of array operations per step.

Plain calls are sparse products in the engine. These change with the callee's state in
other ways, so each step gathers its own (calls x scenarios x requests), transforms them
all at once, and adds them to the callers' rows (sums for sequential calls, the slowest
branch for parallel ones).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from preflight.models import Call
from preflight.propagation.graph import DEFAULT_CALLS_PER_REQUEST, PARALLEL, share_below
from preflight.propagation.sampling import below

NEVER = 1 - 1e-12
"""Probabilities are kept below 1 before taking log(1 - p)."""


class SpecialCalls:
    """The special calls made by one step's callers (rows start.. of the engine's arrays).

    Guarded calls (a timeout or retries) change the callee's errors and delay on the way;
    parallel calls wait for the slowest branch: per request, the largest of each branch's
    own time plus its added delay, minus the largest before (so a slower branch that already
    took longer than the others adds less than its delay, and one that stays below them
    nothing). Their errors are in the engine's sparse product like any plain call's.
    """

    def __init__(
        self,
        calls: list[tuple[int, int, Call]],
        start: int,
        took: np.ndarray,
        slots: list[int],
        rate: list[float],
        inbound: np.ndarray,
        limits: list[tuple[float, float] | None],
    ) -> None:
        """took: each call's own time per request (calls x requests, ms; zeros when unknown);
        slots: each call's pool slot (a call made n < 1 times per request is made in the requests
        whose draw is below n); limits: the p50 and p90 of each call's time, None when unknown."""
        order = sorted(range(len(calls)), key=lambda i: (not guarded(calls[i][2]), calls[i][0], calls[i][1]))
        calls = [calls[i] for i in order]
        self.took, self.slots = took[order], np.array(slots, dtype=np.intp)[order]
        limits = [limits[i] for i in order]
        self.guarded = sum(guarded(call) for _, _, call in calls)
        self.callee = np.array([callee for _, callee, _ in calls])
        self.reached = self.callee >= 0
        self.idle = None if self.reached.all() else np.flatnonzero(~self.reached)
        """Calls into services the faults do not reach (parallel branches that still take time)."""
        position = np.array([caller - start for caller, _, _ in calls])
        self.n = np.array([per_request(call) for _, _, call in calls])
        self.blocked = np.array([not call.fallback for _, _, call in calls[: self.guarded]])[:, None]
        parallel = np.array([call.mode == PARALLEL for _, _, call in calls], dtype=bool)
        # rows grouped by caller position (runs of equal positions): reduceat sums or maxes each run
        self.fail_at, self.fail_starts = _groups(position[: self.guarded])
        self.seq = np.flatnonzero(~parallel)
        self.seq_at, self.seq_starts = _groups(position[self.seq])
        self.seq_few = np.flatnonzero(self.n[self.seq] < 1)
        self.seq_many = np.flatnonzero(self.n[self.seq] >= 1)
        """Sequential calls (positions in seq) made in fewer than every request, and the rest."""
        self.par = np.flatnonzero(parallel)
        self.par = self.par[np.argsort(position[self.par], kind="stable")]
        self.par_at, self.par_starts = _groups(position[self.par])
        timed = [
            (row, float(call.timeout_ms), *known)
            for row, (_, _, call) in enumerate(calls)
            if call.timeout_ms is not None and (known := limits[row]) is not None
        ]
        self.timed = np.array([row for row, *_ in timed], dtype=int)
        self.limit, self.p50, self.p90 = (np.array([t[i] for t in timed])[:, None, None] for i in (1, 2, 3))
        self.on_time_before = (
            share_below(self.limit[:, :, 0], self.p50[:, :, 0], self.p90[:, :, 0]) if timed else None
        )
        retried = [row for row, (_, _, call) in enumerate(calls) if call.retries]
        self.retried = np.array(retried, dtype=int)
        self.retries = np.array([calls[row][2].retries for row in retried])[:, None]
        self.attempt = np.array([calls[row][2].p50_ms or (limits[row] or (0.0, 0.0))[0] for row in retried])[
            :, None, None
        ]
        """The time of one attempt before the fault: the call's p50 (0 when unknown)."""
        self.share = np.array(
            [
                rate[calls[row][0]] * per_request(calls[row][2]) / inbound[calls[row][1]]
                if inbound[calls[row][1]] > 0
                else 0.0
                for row in retried
            ]
        )[:, None]
        """Each retried call's share of all calls into its callee (extra attempts load it by that much)."""
        self.retried_pairs = [(calls[row][1], calls[row][0]) for row in retried]
        """(callee, caller) of each retried call."""

    def fixed(self, pool: np.ndarray) -> Fixed:
        """What one chunk of scenarios fixes (pool: slots x scenarios x requests): in which requests
        each call below one per request is made, and the parallel branches' own times before."""
        requests = pool.shape[2]
        few = self.seq[self.n[self.seq] < 1]
        seq = pool[self.slots[few]] < below(self.n[few][:, None, None], requests)
        par = pool[self.slots[self.par]] < below(np.minimum(self.n[self.par], 1.0)[:, None, None], requests)
        own = par * self.took[self.par][:, None, :]
        before = np.maximum.reduceat(own, self.par_starts, axis=0) if len(self.par) else own
        return Fixed(seq, par, before)

    def add(
        self,
        error: np.ndarray,
        wrong: np.ndarray | None,
        seen: np.ndarray,
        fixed: Fixed,
        survive: np.ndarray,
        delay: np.ndarray,
        extra: dict[tuple[int, int], np.ndarray],
    ) -> np.ndarray | None:
        """Add these calls to the callers' log-survival (scenarios) and delay (scenarios x requests,
        flattened); the parallel ones' added time per caller is returned (rows follow `par_at`),
        None without any. fixed: this chunk's `fixed(pool)`."""
        scenarios = error.shape[1]
        requests = seen.shape[1] // scenarios
        if self.idle is None:
            late = seen[self.callee].reshape(len(self.callee), scenarios, requests)
        else:  # branches into services the faults do not reach add nothing
            late = np.zeros((len(self.callee), scenarios, requests), dtype=seen.dtype)
            late[self.reached] = seen[self.callee[self.reached]].reshape(-1, scenarios, requests)
        if self.guarded:
            fail = error[self.callee[: self.guarded]]
            if len(self.timed):
                self._timeout(fail, late)
            if len(self.retried):
                self._retry(fail, late, extra)
            failing = np.where(self.blocked, fail, 0.0)
            if wrong is not None:
                failing = 1 - (1 - failing) * (1 - wrong[self.callee[: self.guarded]])
            logs = self.n[: self.guarded, None] * np.log1p(-np.minimum(failing, NEVER))
            survive[self.fail_at] += np.add.reduceat(logs, self.fail_starts, axis=0)
        if len(self.seq):
            # below one call per request: the requests that make it; above: n calls' mean and spread
            summed = np.empty((len(self.seq), scenarios, requests))
            summed[self.seq_few] = fixed.seq * late[self.seq[self.seq_few]]
            if len(self.seq_many):
                n = self.n[self.seq[self.seq_many]][:, None, None]
                calls = late[self.seq[self.seq_many]]
                whole = np.sqrt(n)
                summed[self.seq_many] = whole * calls + (n - whole) * calls.mean(axis=2, keepdims=True)
            flat = summed.reshape(len(self.seq), -1)
            delay[self.seq_at] += np.add.reduceat(flat, self.seq_starts, axis=0)
        if not len(self.par):
            return None
        # made * (own time + added): a branch not made takes no time
        branches = late[self.par]
        branches += self.took[self.par][:, None, :]
        branches *= fixed.par
        slowest = np.maximum.reduceat(branches, self.par_starts, axis=0)
        return np.asarray((slowest - fixed.before).reshape(len(self.par_starts), -1))

    def _timeout(self, fail: np.ndarray, late: np.ndarray) -> None:
        """Calls slower than the timeout end at it, as failures (lognormal call latency)."""
        rows = self.timed
        # the share of calls beyond the limit grows as the added delay eats into it (only a
        # positive delay can: the rest leave more room, and no call is newly late)
        slower = np.flatnonzero((late[rows] > 0).any(axis=(1, 2)))
        if len(slower):
            at = rows[slower]
            # the share of late calls is a mean over the requests: 16 of them, evenly spread over
            # the lattice order, estimate it (a normal CDF per request is the step's dearest part)
            step = max(1, late.shape[2] // 16)
            some = late[at][:, :, ::step]
            on_time = share_below(self.limit[slower] - some, self.p50[slower], self.p90[slower])
            assert self.on_time_before is not None
            added = np.clip(self.on_time_before[slower] - on_time.mean(axis=2), 0, 1)
            fail[at] = 1 - (1 - fail[at]) * (1 - added)
        took = self.took[rows][:, None, :]
        limit = self.limit
        late[rows] = np.minimum(took + late[rows], limit) - np.minimum(took, limit)

    def _retry(self, fail: np.ndarray, late: np.ndarray, extra: dict[tuple[int, int], np.ndarray]) -> None:
        """r retries: fails only if every attempt fails; each extra attempt costs a call and loads the callee."""
        rows = self.retried
        p = fail[rows]
        attempts = np.ones_like(p)
        term = np.ones_like(p)
        for k in range(1, int(self.retries.max()) + 1):
            term = term * p
            attempts += np.where(self.retries >= k, term, 0.0)
        late[rows] += (attempts - 1)[:, :, None] * (self.attempt + late[rows])
        fail[rows] = p ** (self.retries + 1)
        for i, pair in enumerate(self.retried_pairs):
            extra[pair] = self.share[i] * (attempts[i] - 1)


@dataclass(frozen=True, slots=True)
class Fixed:
    """SpecialCalls.fixed: what one chunk of scenarios fixes (calls x scenarios x requests)."""

    seq: np.ndarray
    """Sequential calls below one per request (`seq_few`): the requests that make them."""
    par: np.ndarray
    """Parallel calls: the requests that make them."""
    before: np.ndarray
    """Per caller (`par_at`): its slowest parallel branch before the fault."""


def guarded(call: Call) -> bool:
    """A call with a timeout or retries: computed here, never in the engine's sparse product."""
    return call.timeout_ms is not None or call.retries > 0


def per_request(call: Call) -> float:
    return call.per_request if call.per_request is not None else DEFAULT_CALLS_PER_REQUEST


def _groups(position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct positions (sorted input) and where each one's run starts."""
    if not len(position):
        return position, position
    starts = np.flatnonzero(np.r_[True, position[1:] != position[:-1]])
    return position[starts], starts

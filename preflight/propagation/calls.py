"""Calls with a timeout, retries or parallel fan-out: one batch of array operations per step.

Plain calls are a sparse product in the engine. These change with the callee's state in
other ways, so each step gathers its own (callee rows x trials), transforms them all at
once, and adds them to the callers' rows (sums for sequential calls, the largest for
parallel ones).
"""

from __future__ import annotations

import numpy as np

from preflight.models import Call
from preflight.propagation.graph import DEFAULT_CALLS_PER_REQUEST, PARALLEL, share_below

NEVER = 1 - 1e-12
"""Probabilities are kept below 1 before taking log(1 - p)."""


class SpecialCalls:
    """The special calls made by one step's callers (rows start.. of the engine's arrays).

    Guarded calls (a timeout or retries) change the callee's errors and delay on the way;
    parallel calls without guards only need the largest delay (their errors are in the
    engine's sparse product like any plain call's).
    """

    def __init__(
        self,
        calls: list[tuple[int, int, Call]],
        start: int,
        base50: list[float | None],
        base90: list[float | None],
        rate: list[float],
        inbound: np.ndarray,
    ) -> None:
        calls = sorted(calls, key=lambda item: (not guarded(item[2]), item[0], item[1]))
        self.guarded = sum(guarded(call) for _, _, call in calls)
        self.callee = np.array([callee for _, callee, _ in calls])
        position = np.array([caller - start for caller, _, _ in calls])
        self.n = np.array([per_request(call) for _, _, call in calls])[:, None]
        self.blocked = np.array([not call.fallback for _, _, call in calls[: self.guarded]])[:, None]
        parallel = np.array([call.mode == PARALLEL for _, _, call in calls], dtype=bool)
        # rows grouped by caller position (runs of equal positions): reduceat sums or maxes each run
        self.fail_at, self.fail_starts = _groups(position[: self.guarded])
        self.seq = np.flatnonzero(~parallel)
        self.seq_at, self.seq_starts = _groups(position[self.seq])
        self.par = np.flatnonzero(parallel)
        self.par = self.par[np.argsort(position[self.par], kind="stable")]
        self.par_at, self.par_starts = _groups(position[self.par])
        timed = []
        for row, (_, callee, call) in enumerate(calls):
            p50 = call.p50_ms or base50[callee]
            p90 = call.p90_ms or base90[callee] or p50
            if call.timeout_ms is not None and p50 is not None and p50 > 0 and p90 is not None:
                timed.append((row, float(call.timeout_ms), p50, p90))
        self.timed = np.array([row for row, *_ in timed], dtype=int)
        self.limit, self.p50, self.p90 = (np.array([t[i] for t in timed])[:, None] for i in (1, 2, 3))
        self.on_time_before = share_below(self.limit, self.p50, self.p90) if timed else self.limit
        retried = [row for row, (_, _, call) in enumerate(calls) if call.retries]
        self.retried = np.array(retried, dtype=int)
        self.retries = np.array([calls[row][2].retries for row in retried])[:, None]
        self.took = np.array([calls[row][2].p50_ms or base50[calls[row][1]] or 0.0 for row in retried])[
            :, None
        ]
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

    def add(
        self,
        error: np.ndarray,
        wrong: np.ndarray | None,
        seen: np.ndarray,
        survive: np.ndarray,
        delay: np.ndarray,
        extra: dict[tuple[int, int], np.ndarray],
    ) -> np.ndarray | None:
        """Add these calls to the callers' log-survival and delay (`seen` is (rows, 2 * trials): p50 | p90);
        the parallel ones' largest delay per caller is returned (rows follow `par_at`), None without any."""
        trials = error.shape[1]
        late = seen[self.callee]
        if self.guarded:
            fail = error[self.callee[: self.guarded]]
            if len(self.timed):
                self._timeout(fail, late, trials)
            if len(self.retried):
                self._retry(fail, late, trials, extra)
            failing = np.where(self.blocked, fail, 0.0)
            if wrong is not None:
                failing = 1 - (1 - failing) * (1 - wrong[self.callee[: self.guarded]])
            logs = self.n[: self.guarded] * np.log1p(-np.minimum(failing, NEVER))
            survive[self.fail_at] += np.add.reduceat(logs, self.fail_starts, axis=0)
        if len(self.seq):
            weighted = self.n[self.seq] * late[self.seq]
            delay[self.seq_at] += np.add.reduceat(weighted, self.seq_starts, axis=0)
        if not len(self.par):
            return None
        # calls fanned out in parallel overlap: however many, the caller waits for about one, the
        # slowest; the caller adds the largest per position (rows self.par_at) to its delay
        weighted = np.minimum(self.n[self.par], 1.0) * late[self.par]
        return np.maximum.reduceat(weighted, self.par_starts, axis=0)

    def _timeout(self, fail: np.ndarray, late: np.ndarray, trials: int) -> None:
        """Calls slower than the timeout end at it, as failures (lognormal call latency)."""
        rows, limit = self.timed, self.limit
        # the share of calls beyond the limit grows as the added delay eats into it (only a
        # positive delay can: the rest leave more room, and no call is newly late)
        slower = np.flatnonzero((late[rows, :trials] > 0).any(axis=1))
        if len(slower):
            at = rows[slower]
            room = limit[slower] - late[at, :trials]
            on_time = share_below(room, self.p50[slower], self.p90[slower])
            added = np.clip(self.on_time_before[slower] - on_time, 0, 1)
            fail[at] = 1 - (1 - fail[at]) * (1 - added)
        for half, base in ((slice(0, trials), self.p50), (slice(trials, None), self.p90)):
            late[rows, half] = np.minimum(base + late[rows, half], limit) - np.minimum(base, limit)

    def _retry(
        self, fail: np.ndarray, late: np.ndarray, trials: int, extra: dict[tuple[int, int], np.ndarray]
    ) -> None:
        """r retries: fails only if every attempt fails; each extra attempt costs a call and loads the callee."""
        rows = self.retried
        p = fail[rows]
        attempts = np.ones_like(p)
        term = np.ones_like(p)
        for k in range(1, int(self.retries.max()) + 1):
            term = term * p
            attempts += np.where(self.retries >= k, term, 0.0)
        took = self.took + late[rows, :trials]
        late[rows] += np.tile((attempts - 1) * took, 2)
        fail[rows] = p ** (self.retries + 1)
        for i, pair in enumerate(self.retried_pairs):
            extra[pair] = self.share[i] * (attempts[i] - 1)


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

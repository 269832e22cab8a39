"""The engine's sparse products: a step's plain calls as few non-zeros over the reached services."""

from __future__ import annotations

import numpy as np

from preflight.propagation.sampling import below


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
        out = np.zeros((self.shape[0], dense.shape[1]), dtype=dense.dtype)
        values = self.values.astype(dense.dtype, copy=False)[:, None]
        out[self.rows] = np.add.reduceat(values * dense[self.to], self.starts, axis=0)
        return out


class MaskedRows:
    """Calls made in a share n < 1 of the caller's requests: each caller row adds, request by
    request, the callee's request met there where the call is made (pool slot below n)."""

    BATCH = 512
    """Calls gathered at once (bounded scratch memory)."""

    def __init__(self, slots: list[int], shares: list[float], at: list[int], to: list[int]) -> None:
        order = np.argsort(np.asarray(at, dtype=np.intp), kind="stable")
        self.to = np.asarray(to, dtype=np.intp)[order]
        self.slots = np.asarray(slots, dtype=np.intp)[order]
        self.shares = np.asarray(shares, dtype=float)[order][:, None, None]
        self.at = np.asarray(at, dtype=np.intp)[order]

    def add(self, seen: np.ndarray, pool: np.ndarray, delay: np.ndarray) -> None:
        scenarios, requests = pool.shape[1], pool.shape[2]
        start, size = 0, len(self.to)
        while start < size:
            stop = min(start + self.BATCH, size)
            while stop < size and self.at[stop] == self.at[stop - 1]:
                stop += 1  # a caller's calls in one batch
            part = slice(start, stop)
            gathered = seen[self.to[part]].reshape(stop - start, scenarios, requests)
            gathered *= pool[self.slots[part]] < below(self.shares[part], requests)
            rows, starts = np.unique(self.at[part], return_index=True)
            summed = np.add.reduceat(gathered, starts, axis=0)
            delay[rows] += summed.reshape(len(rows), -1)
            start = stop

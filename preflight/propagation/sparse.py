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

    def __init__(self, slots: list[int], shares: list[float], at: list[int], to: list[int]) -> None:
        order = np.argsort(np.asarray(at, dtype=np.intp), kind="stable")
        self.to = np.asarray(to, dtype=np.intp)[order]
        self.slots = np.asarray(slots, dtype=np.intp)[order]
        self.shares = np.asarray(shares, dtype=float)[order]
        self.at = np.asarray(at, dtype=np.intp)[order]

    def made(self, pool: np.ndarray, found: dict[tuple[int, int], np.ndarray]) -> Made:
        """Where each call is made in one chunk of scenarios (pool: slots x scenarios x requests):
        the same in every pass and every round of a cycle, so found once per chunk. found: the
        chunk's (slot, requests made) -> their positions in a row, shared by its steps."""
        width = pool.shape[1] * pool.shape[2]
        rows, local = np.unique(self.at, return_inverse=True)
        kind = np.int32 if max(len(rows), int(self.to.max()) + 1) * width < 2**31 else np.intp
        short = np.int16 if width <= np.iinfo(np.int16).max else kind  # a position in a row
        counts = below(self.shares, pool.shape[2]).tolist()
        places = []
        for slot, count in zip(self.slots.tolist(), counts, strict=True):
            key = (slot, count)
            if key not in found:
                found[key] = np.flatnonzero(pool[slot].reshape(-1) < count).astype(short)
            places.append(found[key])
        return Made(
            rows,
            np.concatenate(places).astype(short, copy=False),
            np.array([len(p) for p in places], dtype=np.intp),
            (self.to * width).astype(kind),
            (local * width).astype(kind),
            width,
        )


class Made:
    """One chunk's made calls: per call, the positions (scenario x request) where it is made.
    Flat indices are formed when added (a quarter of the memory of keeping them)."""

    def __init__(
        self,
        rows: np.ndarray,
        where: np.ndarray,
        sizes: np.ndarray,
        callee: np.ndarray,
        caller: np.ndarray,
        width: int,
    ) -> None:
        self.rows, self.where, self.sizes, self.width = rows, where, sizes, width
        """Caller rows of the step that make calls; every call's positions, concatenated, and how
        many each has; positions per row (scenarios x requests)."""
        self.callee, self.caller = callee, caller
        """Per call: where its callee's row and its caller's (among `rows`) start, flat."""

    def add(self, seen: np.ndarray, delay: np.ndarray) -> None:
        """delay (step rows x scenarios*requests) += the made calls' requests from seen, call
        after call (each request adds its calls in their order)."""
        source = np.repeat(self.callee, self.sizes)
        source += self.where
        target = np.repeat(self.caller, self.sizes)
        target += self.where
        summed = np.zeros((len(self.rows), self.width), dtype=seen.dtype)
        np.add.at(summed.reshape(-1), target, seen.reshape(-1)[source])
        delay[self.rows] += summed

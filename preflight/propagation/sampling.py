"""Trials as scenarios of requests: what varies per scenario, what varies per request.

A scenario draws every uncertain magnitude once (a fault's size, a utilization); its
requests draw what differs from one request to the next: a service's own latency, whether
a call that is made in 30% of requests is made, how long a parallel branch took. So the
percentiles of a service come out of its requests' latencies (sums of calls, maxima of
parallel branches, mixtures of touched and untouched requests), and the estimates
(median, 90% interval) are over scenarios.

Per-request draws are stratified: the i-th of B requests stands for the quantile
(i + 0.5) / B, in an order permuted per service and per call, so a share s of requests is
exactly round(s * B) of them and a lognormal's percentiles are read back within a fraction
of a percent (Hazen interpolation between the two nearest requests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from preflight.models import Service

REQUESTS = 100
"""Requests per scenario (fewer when fewer trials are asked for)."""
POOL = 32
"""Distinct request orders for calls: a caller's first POOL calls are made independently."""
QUANTILES = (0.5, 0.9)
SAMPLE = np.float32
"""Per-request latencies (ms) are held in single precision: half the memory traffic, and far
finer than the sampling error."""
Z90 = 1.2815516
"""The standard normal quantile of the 90th percentile."""


@dataclass(frozen=True, slots=True)
class Layout:
    """How the trials are split: trials = scenarios x requests, scenario-major columns."""

    scenarios: int
    requests: int

    @property
    def trials(self) -> int:
        return self.scenarios * self.requests


def layout(trials: int, uncertain: bool = True) -> Layout:
    """About REQUESTS requests per scenario and as many scenarios as the trials allow; one
    scenario of every trial when nothing is uncertain (every magnitude known)."""
    if trials <= REQUESTS or not uncertain:
        return Layout(1, trials)
    scenarios = max(1, round(trials / REQUESTS))
    return Layout(scenarios, trials // scenarios)


def points(requests: int) -> np.ndarray:
    """The stratified quantile points (i + 0.5) / B, in order."""
    return (np.arange(requests) + 0.5) / requests


def normal_points(requests: int) -> np.ndarray:
    """The standard normal at the stratified points, in order."""
    unit = NormalDist()
    return np.array([unit.inv_cdf(p) for p in points(requests)])


def lognormal(p50: float | None, p90: float | None, z: np.ndarray) -> np.ndarray:
    """A latency at standard normal draws z: the lognormal through p50 and p90; constant when only
    one is known (or the p90 is not above the p50); zeros when neither is."""
    if p50 is None or p90 is None or p50 <= 0 or p90 <= p50:
        known = p50 if p50 is not None else p90
        return np.full(len(z), 0.0 if known is None else float(known))
    sigma = math.log(p90 / p50) / Z90
    return np.asarray(p50 * np.exp(sigma * z))


def quantiles(samples: np.ndarray, qs: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    """Each q-quantile over the last axis (the requests), Hazen's rule: position q * B - 0.5,
    interpolated between the two nearest order statistics."""
    size = samples.shape[-1]
    spots = []
    for q in qs:
        h = min(max(q * size - 0.5, 0.0), size - 1.0)
        low = math.floor(h)
        spots.append((low, min(low + 1, size - 1), h - low))
    # a full sort: numpy's vectorized sort of a few hundred values beats partitioning at several kth
    ordered = np.sort(samples, axis=-1)
    return tuple(ordered[..., low] + (ordered[..., high] - ordered[..., low]) * w for low, high, w in spots)


def multipliers(requests: int, count: int) -> np.ndarray:
    """count lattice multipliers for B requests, best first (cycled when B has fewer): coprime to
    B, so i * m mod B is a permutation, and ranked by the shortest vector of the lattice
    {(i, i * m mod B)}: the longer, the more evenly the pairs (i, i * m mod B) cover the square."""
    ranked = sorted(
        (m for m in range(1, max(requests, 2)) if math.gcd(m, requests) == 1),
        key=lambda m: (-_shortest(m, requests), m),
    ) or [1]
    return np.array([ranked[k % len(ranked)] for k in range(count)], dtype=np.intp)


def _shortest(m: int, requests: int) -> float:
    """Length of the shortest non-zero vector of the 2-D lattice spanned by (1, m) and (0, B)."""
    u, v = (1, m % requests), (0, requests)
    if u[0] ** 2 + u[1] ** 2 > v[0] ** 2 + v[1] ** 2:
        u, v = v, u
    while True:  # Lagrange-Gauss reduction
        dot, norm = u[0] * v[0] + u[1] * v[1], u[0] ** 2 + u[1] ** 2
        k = round(dot / norm)
        v = (v[0] - k * u[0], v[1] - k * u[1])
        if v[0] ** 2 + v[1] ** 2 >= norm:
            return math.sqrt(norm)
        u, v = v, u


def below(share: float | np.ndarray, requests: int) -> np.ndarray:
    """How many of B stratified draws (i + 0.5) / B lie below share: round(share * B), half down."""
    return np.clip(np.ceil(np.asarray(share) * requests - 0.5), 0, requests).astype(np.int32)


def lattice(multiplier: np.ndarray, offset: np.ndarray, requests: int) -> np.ndarray:
    """rows x scenarios x requests positions (i * multiplier + offset) mod B: each row's pattern,
    shifted per scenario (offset: rows x scenarios)."""
    kind = np.int32 if requests < 46_341 else np.int64  # i * m < B * B fits
    i = np.arange(requests, dtype=kind)
    found = i[None, None, :] * multiplier.astype(kind)[:, None, None] + offset.astype(kind)[:, :, None]
    return np.asarray(np.remainder(found, requests, out=found))


class Draws:
    """The per-request draws: stratified points paired by rank-1 lattices (see `py`).

    A service's requests are held in the order of its own latency before (its request i has
    the i-th smallest). Which requests make a call (or run the changed function, or fail
    first) and which of a callee's requests a caller meets at each position follow lattices
    (i * m + c) mod B with a multiplier m per pattern and a random offset c per scenario, so
    a share s of requests is exactly round(s * B) of them, spread evenly over the caller's
    own latencies (a mixture's percentile comes out right), and every scenario pairs them
    differently (the medians over scenarios average the pairing out).
    """

    def __init__(self, services: list[Service], rng: np.random.Generator, shape: Layout) -> None:
        requests, scenarios = shape.requests, shape.scenarios
        self.requests = requests
        z = normal_points(requests)
        size = len(services)
        self.base = np.array([lognormal(s.p50_ms, s.p90_ms, z) for s in services], dtype=SAMPLE).reshape(
            size, requests
        )
        """Each service's own latency per request before any fault (ms, ascending; zeros when unknown)."""
        self.base_q = quantiles(self.base, QUANTILES)
        spread = multipliers(requests, POOL + size)
        kind = np.int16 if requests <= np.iinfo(np.int16).max else np.int32
        self.pool = lattice(spread[:POOL], rng.integers(0, requests, (POOL, scenarios)), requests).astype(
            kind
        )
        """POOL x scenarios x requests uniform draws, as ranks: rank i stands for (i + 0.5) / B, so the
        requests with a draw below a share s are those with a rank below `below(s, B)`."""
        self.out = spread[POOL:]
        self.offset = rng.integers(0, requests, (size, scenarios))
        """Caller position i meets a service's request (i * out + offset) mod B, per scenario."""
        self.took = z[lattice(spread[:POOL], np.zeros((POOL, 1), dtype=int), requests)[:, 0]]

    def seen(self, rows: slice | np.ndarray, scenarios: slice) -> np.ndarray:
        """rows x scenarios x requests: which of its own requests a caller meets at each position."""
        return lattice(self.out[rows], self.offset[rows, scenarios], self.requests)

    def call(self, caller: int, index: int, p50: float | None, p90: float | None) -> tuple[int, np.ndarray]:
        """The index-th call of a caller: its pool slot (in which requests it is made), its own time."""
        slot = (caller * 7 + index) % POOL
        return slot, lognormal(p50, p90, self.took[(slot + 11) % POOL])


def fail_slot(row: int) -> int:
    """The pool slot that says which of a service's requests fail first (fail fast)."""
    return (row * 11 + 5) % POOL

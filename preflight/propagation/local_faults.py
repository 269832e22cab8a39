"""What each faulty service does by itself, per Monte Carlo trial, before its callers see it."""

from __future__ import annotations

import copy

import numpy as np

from preflight.models import Service
from preflight.propagation.faults import Fault
from preflight.propagation.graph import ServiceGraph

SATURATION = 0.98
UTILIZATION_PRIOR = (0.2, 0.6)
"""Utilization assumed (uniform per trial) where none is known."""
QUANTILES = (0.5, 0.9)


class OwnFaults:
    """The faults of each faulty service (rows of the engine's arrays), sampled once.

    The first fault with a range has its samples sorted. That only reorders independent
    trials, so every distribution stays the same; a result that moves monotonically with
    that magnitude then comes out sorted, and its quantiles can be read off directly
    (see `quantiles` in the package).
    """

    def __init__(
        self,
        graph: ServiceGraph,
        faults: list[Fault],
        rows: dict[str, int],
        rng: np.random.Generator,
        trials: int,
        assumptions: list[str],
    ) -> None:
        self.error: dict[int, np.ndarray] = {}
        self.wrong: dict[int, np.ndarray] = {}
        self.delay: dict[int, dict[float, np.ndarray]] = {}
        """Mean added latency per request at each percentile (share * added)."""
        self.network: dict[int, np.ndarray] = {}
        self.cpu: dict[int, np.ndarray] = {}
        self.utilization: dict[int, np.ndarray] = {}
        self.touched: dict[int, float] = {}
        """Share of the service's requests that run changed code (1 under a CPU fault: all queue)."""
        ordered = False
        for fault in faults:
            row = rows[fault.service]
            service = graph.service(fault.service)
            magnitude = fault.sample(rng, trials)
            if not ordered and fault.low != fault.high:
                magnitude.sort()
                ordered = True
            share = fault.share
            self.touched[row] = 1 - (1 - self.touched.get(row, 0.0)) * (1 - share)
            if fault.kind in ("error", "wrong"):
                target = self.error if fault.kind == "error" else self.wrong
                previous = target.get(row, np.zeros(trials))
                failed = 1 - (1 - magnitude) ** fault.executions  # a request fails if any execution does
                target[row] = 1 - (1 - previous) * (1 - share * failed)
            elif fault.kind == "network":
                self.network[row] = self.network.get(row, np.zeros(trials)) + share * magnitude
            elif fault.kind == "latency":
                self._latency(fault, service, row, magnitude, trials, assumptions)
            else:  # cpu
                demand = self.cpu.get(row, np.ones(trials))
                self.cpu[row] = demand * (1 + share * (magnitude - 1))
                if service.utilization is None and row not in self.utilization:
                    low, high = UTILIZATION_PRIOR
                    self.utilization[row] = rng.uniform(low, high, trials)
                    assumptions.append(
                        f"{fault.service}: CPU utilization unknown, assumed {low:.0%}-{high:.0%} "
                        "(set services.<name>.utilization in .preflight.yml)"
                    )
                elif service.utilization is not None:
                    self.utilization[row] = np.full(trials, service.utilization)
        for row in self.cpu:
            self.touched[row] = 1.0

    def _latency(
        self, fault: Fault, service: Service, row: int, magnitude: np.ndarray, trials: int, notes: list[str]
    ) -> None:
        delays = self.delay.setdefault(row, {q: np.zeros(trials) for q in QUANTILES})
        for q in QUANTILES:
            base = base_of(service, q)
            if fault.ratio and base is None:
                notes.append(
                    f"{fault.spec}: {fault.service}'s p{q * 100:.0f} is unknown, so the ratio "
                    "cannot be turned into milliseconds there; that percentile's change is left out"
                )
                continue
            added = (magnitude - 1) * base if fault.ratio and base is not None else magnitude
            delays[q] = delays[q] + fault.share * fault.executions * added

    def columns(self, columns: slice) -> OwnFaults:
        """The same faults for a chunk of the trials."""
        chunk = copy.copy(self)
        for name in ("error", "wrong", "network", "cpu", "utilization"):
            setattr(chunk, name, {row: values[columns] for row, values in getattr(self, name).items()})
        chunk.delay = {row: {q: d[columns] for q, d in delays.items()} for row, delays in self.delay.items()}
        return chunk

    def apply(
        self,
        row: int,
        base: dict[float, float | None],
        load: np.ndarray,
        error: np.ndarray,
        wrong: np.ndarray,
        delay: dict[float, np.ndarray],
        network: np.ndarray,
    ) -> None:
        """Add the row's own faults to what its callees did to it (arrays are that row's, in place)."""
        own_error = self.error.get(row)
        if own_error is not None:
            error[:] = 1 - (1 - error) * (1 - own_error)
        own_wrong = self.wrong.get(row)
        if own_wrong is not None:
            wrong[:] = own_wrong
        for q, added in self.delay.get(row, {}).items():
            delay[q] += added
        own_network = self.network.get(row)
        if own_network is not None:
            network[:] = own_network
        demand = self.cpu.get(row)
        if demand is not None:
            rho = self.utilization[row]
            after = np.minimum(rho * demand * load, 10.0)
            queue = demand * (1 - rho) / np.maximum(1 - after, 1 - SATURATION)
            shed = np.clip(1 - SATURATION / np.maximum(after, 1e-12), 0, 1)
            error[:] = 1 - (1 - error) * (1 - shed)
            for q in QUANTILES:
                known = base[q]
                if known is not None:
                    delay[q] += (queue - 1) * known


def base_of(service: Service, q: float) -> float | None:
    """The service's latency before at percentile q (p50 or p90), None when unknown."""
    return service.p50_ms if q == 0.5 else service.p90_ms

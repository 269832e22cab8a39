"""What each faulty service does by itself, per scenario and request, before its callers see it."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np

from preflight.propagation import hosts
from preflight.propagation.faults import Fault
from preflight.propagation.graph import ServiceGraph
from preflight.propagation.sampling import Layout, below

SATURATION = 0.98
UTILIZATION_PRIOR = (0.2, 0.6)
"""Utilization assumed (uniform per scenario) where none is known."""


class OwnFaults:
    """The faults of each faulty service (rows of the engine's arrays), sampled once.

    Magnitudes are drawn per scenario; a fault that runs in a share s of the service's
    requests touches exactly round(s * B) of each scenario's B requests (its own random
    positions). The first fault with a range has its scenarios sorted by magnitude. That
    only reorders independent scenarios, so every distribution stays the same; a result
    that moves monotonically with that magnitude then comes out sorted, and its quantiles
    can be read off directly (`simulation._estimate`).
    """

    def __init__(
        self,
        graph: ServiceGraph,
        faults: list[Fault],
        rows: dict[str, int],
        rng: np.random.Generator,
        shape: Layout,
        base: np.ndarray,
        pool: np.ndarray,
        assumptions: list[str],
        near: Sequence[hosts.Neighbour] = (),
        owners: Mapping[str, str] | None = None,
    ) -> None:
        """base: each row's own latency per request (rows x requests, ms; zeros when unknown);
        pool: uniform draws (slots x scenarios x requests) that pick the requests a share runs in;
        near: services sharing a host with a faulty one (hosts.py); owners: route node -> service."""
        scenarios, requests = shape.scenarios, shape.requests
        self.error: dict[int, np.ndarray] = {}
        """Row -> share of its requests that fail, per scenario."""
        self.wrong: dict[int, np.ndarray] = {}
        self.delay: dict[int, np.ndarray] = {}
        """Row -> added latency per request, (scenarios, requests) ms."""
        self.network: dict[int, np.ndarray] = {}
        """Row -> added latency on the wire into it per request, (scenarios, requests) ms."""
        self.cpu: dict[int, np.ndarray] = {}
        self.utilization: dict[int, np.ndarray] = {}
        self.base = base
        ordered = False
        for index, fault in enumerate(faults):
            row = rows[fault.service]
            service = graph.service(fault.service)
            magnitude = fault.sample(rng, scenarios)
            if not ordered and fault.low != fault.high:
                magnitude.sort()
                ordered = True
            share = fault.share
            slot = pool[(row * 13 + index * 3 + 1) % len(pool)]
            runs = slot < below(share, requests) if share < 1 else np.ones(requests)
            if fault.kind in ("error", "wrong"):
                target = self.error if fault.kind == "error" else self.wrong
                previous = target.get(row, np.zeros(scenarios))
                failed = 1 - (1 - magnitude) ** fault.executions  # a request fails if any execution does
                target[row] = 1 - (1 - previous) * (1 - share * failed)
            elif fault.kind == "network":
                added = magnitude[:, None] * runs
                self.network[row] = self.network.get(row, 0.0) + added
            elif fault.kind == "latency":
                own = base[row]
                if fault.ratio and not own.any():
                    assumptions.append(
                        f"{fault.spec}: {fault.service}'s latency is unknown, so the ratio cannot be "
                        "turned into milliseconds; its change is left out"
                    )
                    continue
                if fault.ratio and (service.p50_ms is None or service.p90_ms is None):
                    known, missing = ("p50", "p90") if service.p90_ms is None else ("p90", "p50")
                    assumptions.append(
                        f"{fault.spec}: {fault.service}'s {missing} is unknown, so its latency is taken "
                        f"as its {known} in every request"
                    )
                each = (
                    (magnitude - 1)[:, None] * own if fault.ratio else np.outer(magnitude, np.ones(requests))
                )
                added = fault.executions * each * runs
                self.delay[row] = self.delay.get(row, 0.0) + added
            else:  # cpu
                demand = self.cpu.get(row, np.ones(scenarios))
                self.cpu[row] = demand * (1 + share * (magnitude - 1))
                if service.utilization is None and row not in self.utilization:
                    low, high = UTILIZATION_PRIOR
                    self.utilization[row] = rng.uniform(low, high, scenarios)
                    assumptions.append(
                        f"{fault.service}: CPU utilization unknown, assumed {low:.0%}-{high:.0%} "
                        "(set services.<name>.utilization in .preflight.yml)"
                    )
                elif service.utilization is not None:
                    self.utilization[row] = np.full(scenarios, service.utilization)
        if near:
            self._contention(graph, rows, rng, shape, pool, list(near), owners or {}, assumptions)

    def _contention(
        self,
        graph: ServiceGraph,
        rows: dict[str, int],
        rng: np.random.Generator,
        shape: Layout,
        pool: np.ndarray,
        near: list[hosts.Neighbour],
        owners: Mapping[str, str],
        notes: list[str],
    ) -> None:
        """Each neighbour of a CPU-faulty service slows as their shared host's queue grows."""
        services = graph.services()
        by_owner = {owners.get(s.name, s.name): s for s in services}
        drawn: dict[str, np.ndarray] = {}
        for index, neighbour in enumerate(near):
            source, row = rows[neighbour.source], rows[neighbour.node]
            demand = self.cpu.get(source)
            if demand is None:
                continue
            found = []
            for name in hosts.sharers(services, neighbour, owners):
                known = by_owner[name].utilization
                if known is None and name not in drawn:
                    low, high = UTILIZATION_PRIOR
                    drawn[name] = rng.uniform(low, high, shape.scenarios)
                    notes.append(
                        f"{name}: CPU utilization unknown, assumed {low:.0%}-{high:.0%} for its host's load"
                    )
                found.append(np.full(shape.scenarios, known) if known is not None else drawn[name])
            source_hosts = len(graph.service(neighbour.source).hosts)
            multiplier = hosts.slowdown(demand, self.utilization[source], source_hosts, found)
            slot = pool[(row * 17 + index) % len(pool)]
            runs = slot < below(neighbour.share, shape.requests) if neighbour.share < 1 else 1.0
            added = (multiplier - 1)[:, None] * self.base[row] * runs
            self.delay[row] = self.delay.get(row, 0.0) + added
            notes.append(
                f"{owners.get(neighbour.node, neighbour.node)} shares {', '.join(neighbour.hosts)} with "
                f"{owners.get(neighbour.source, neighbour.source)}: slowed as the host's CPU queue grows "
                "(its latency taken as all CPU work, the cautious bound)"
            )

    @property
    def rows(self) -> set[int]:
        """Rows with a fault of their own."""
        return set(self.error) | set(self.wrong) | set(self.delay) | set(self.network) | set(self.cpu)

    def columns(self, scenarios: slice) -> OwnFaults:
        """The same faults for a chunk of the scenarios."""
        chunk = copy.copy(self)
        for name in ("error", "wrong", "delay", "network", "cpu", "utilization"):
            setattr(chunk, name, {row: values[scenarios] for row, values in getattr(self, name).items()})
        return chunk

    def apply(
        self, row: int, load: np.ndarray, error: np.ndarray, wrong: np.ndarray, delay: np.ndarray
    ) -> None:
        """Add the row's own faults to what its callees did to it (that row's arrays, in place):
        error and wrong per scenario, delay per scenario and request."""
        own_error = self.error.get(row)
        if own_error is not None:
            error[:] = 1 - (1 - error) * (1 - own_error)
        own_wrong = self.wrong.get(row)
        if own_wrong is not None:
            wrong[:] = own_wrong
        own_delay = self.delay.get(row)
        if own_delay is not None:
            delay += own_delay
        demand = self.cpu.get(row)
        if demand is not None:
            rho = self.utilization[row]
            after = np.minimum(rho * demand * load, 10.0)
            queue = demand * (1 - rho) / np.maximum(1 - after, 1 - SATURATION)
            shed = np.clip(1 - SATURATION / np.maximum(after, 1e-12), 0, 1)
            error[:] = 1 - (1 - error) * (1 - shed)
            delay += (queue - 1)[:, None] * self.base[row]

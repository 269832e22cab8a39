"""Shared hosts: a CPU fault slows the services that run on the same machine, not only its callers.

Where each service runs comes from the snapshot (the resource's k8s.node.name or host.name).
The model, per host: its k services share its CPU equally; a service's utilization is of its
share, so the host's is their mean (a service whose utilization is unknown counts with the
UTILIZATION_PRIOR, said). A fault multiplying one service's CPU demand by D adds
rho * (D - 1) / k to the host's utilization, spread over the hosts that service runs on; a
neighbour's response time grows as the host's M/M/1 queue does, (1 - u) / (1 - u'), capped
at SATURATION, in the share of its requests served on the shared host. Its sensitivity (the
share of its latency that is CPU work) is not measured: it is taken as all of it, the cautious
bound, and said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from preflight.models import Service


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A service that shares a host with a CPU-faulty one."""

    source: str
    """The node with the CPU fault."""
    node: str
    """The neighbour's node (a route node of a service split by route)."""
    share: float
    """Share of the neighbour's requests served on the shared hosts."""
    hosts: tuple[str, ...]
    """The shared hosts."""


def neighbours(services: list[Service], sources: list[str], owners: Mapping[str, str]) -> list[Neighbour]:
    """Every node that shares a host with a source, other than the source's own service's nodes;
    owners: node -> its service (for route nodes)."""
    by_name = {s.name: s for s in services}
    found = []
    for source in dict.fromkeys(sources):
        where = set(by_name[source].hosts)
        if not where:
            continue
        for service in services:
            if owners.get(service.name, service.name) == owners.get(source, source) or not service.hosts:
                continue
            shared = tuple(h for h in service.hosts if h in where)
            if shared:
                found.append(Neighbour(source, service.name, len(shared) / len(service.hosts), shared))
    return found


def sharers(services: list[Service], neighbour: Neighbour, owners: Mapping[str, str]) -> list[str]:
    """The services (not their route nodes) that run on the neighbour's shared hosts."""
    where = set(neighbour.hosts)
    return sorted({owners.get(s.name, s.name) for s in services if where & set(s.hosts)})


def slowdown(
    demand: np.ndarray, rho: np.ndarray, source_hosts: int, utilizations: list[np.ndarray]
) -> np.ndarray:
    """The neighbour's response-time multiplier per scenario on the shared host: (1 - u) / (1 - u')
    for the host's utilization before (the mean of its services', utilizations) and after the
    source's demand grew to `demand` (rho: the source's utilization, source_hosts: how many
    hosts its load spreads over), capped at SATURATION."""
    k = max(len(utilizations), 1)
    before = sum(utilizations) / k
    after = np.minimum(before + rho * (demand - 1) / k / max(source_hosts, 1), SATURATION)
    return np.asarray((1 - before) / (1 - after))


SATURATION = 0.98

"""Stage 5: if the change is wrong, what breaks and which SLOs burn.

graph = read_csv(Path("graph.csv"))                 # or from_services(...), with_settings(...)
impact = simulate(graph, [parse("cart:latency=x3")], slos=(), trials=10_000)
impact.services, impact.slos                        # frozen contracts from preflight.models
"""

from __future__ import annotations

from preflight.propagation.faults import Fault, parse
from preflight.propagation.graph import ServiceGraph, from_edges, from_services, read_csv
from preflight.propagation.simulation import simulate

__all__ = ["Fault", "ServiceGraph", "from_edges", "from_services", "parse", "read_csv", "simulate"]

"""The service graph's contracts: services, the calls between them, and the settings that declare them.

The propagation stage holds them in a networkx graph; everything else passes these values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from preflight.models.exposure import SloStatus

CallMode = Literal["sequential", "parallel"]
"""How a caller makes several calls: one after the other, or fanned out at once."""


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint of a service (HTTP route or RPC method) and what its requests do."""

    name: str
    requests_per_s: float | None = None
    p50_ms: float | None = None
    p90_ms: float | None = None
    error_rate: float = 0.0


@dataclass(frozen=True, slots=True)
class RouteCall:
    """The calls of one caller route to one callee route (None: not known for those calls)."""

    caller_route: str | None
    callee_route: str | None
    per_request: float
    """Calls per request of the caller route (of the whole caller when its route is unknown)."""


@dataclass(frozen=True, slots=True)
class Service:
    """A node: what one service does per request before any fault."""

    name: str
    requests_per_s: float | None = None
    p50_ms: float | None = None
    """Server-side latency; None when unknown (its change is still predicted, its ratio is not)."""
    p90_ms: float | None = None
    error_rate: float = 0.0
    utilization: float | None = None
    """CPU utilization (0-1) for queueing; None: a prior is assumed and said."""
    routes: tuple[Route, ...] = ()
    """Its endpoints with their own rates and latency; empty: only the service as a whole is known."""
    hosts: tuple[str, ...] = ()
    """Where it runs (k8s node or host name), busiest first; empty: unknown."""


@dataclass(frozen=True, slots=True)
class Call:
    """An edge: how the caller calls the callee."""

    caller: str
    callee: str
    per_request: float | None = None
    """Calls per request the caller serves; None when no rate is known."""
    p50_ms: float | None = None
    """Client-side duration of one call."""
    p90_ms: float | None = None
    mode: CallMode = "sequential"
    timeout_ms: float | None = None
    retries: int = 0
    fallback: bool = False
    """A failure of this call is absorbed (the caller degrades gracefully instead of failing)."""
    inferred: bool = False
    """per_request was not measured: it is the callee's requests that measured calls do not explain."""
    wire_ms: float | None = None
    """Median time of one call on the wire and in queues: client-side minus server-side duration."""
    error_rate: float | None = None
    """Share of these calls the caller saw fail (client side), when measured."""
    routes: tuple[RouteCall, ...] = ()
    """The calls per caller and callee route, when the traces say; empty: service to service only."""


@dataclass(frozen=True, slots=True)
class Services:
    """The measured service graph and what it is judged against."""

    services: tuple[Service, ...]
    calls: tuple[Call, ...]
    rates: tuple[tuple[str, str, float | None], ...]
    """Measured calls/min per (caller, callee) pair, summed over routes; None when unknown."""
    slos: tuple[SloStatus, ...]


@dataclass(frozen=True, slots=True)
class CallSettings:
    """services.<caller>.calls.<callee>: how one service calls another; None keeps what telemetry says."""

    per_request: float | None = None
    """calls_per_request: declares the dependency when telemetry does not show it."""
    mode: CallMode | None = None
    """sequential (default) or parallel fan-out."""
    timeout_ms: float | None = None
    retries: int | None = None
    fallback: bool | None = None
    """The caller degrades gracefully when this call fails (an optional call)."""


@dataclass(frozen=True, slots=True)
class PathMapping:
    """A deployed path prefix and the repository path prefix it stands for."""

    deployed: str
    repo: str

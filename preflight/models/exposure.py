"""Stage 4's contracts: changed functions joined to what production does with them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from preflight.models.changes import FunctionChange

Indicator = Literal["availability", "latency"]
"""What an SLO measures: the share of good responses, or of responses under a threshold."""


@dataclass(frozen=True, slots=True)
class SloStatus:
    """An SLO and its remaining error budget, as the snapshot knows it."""

    name: str
    service: str
    indicator: Indicator
    objective: float | None
    window: str | None
    threshold_ms: float | None
    route: str | None
    budget_remaining: float | None
    """Share of the error budget left (0-1, negative when overspent); None = unknown."""
    budget_source: str
    """user:<file>, telemetry (estimated from the observed window) or unknown."""


@dataclass(frozen=True, slots=True)
class ReachRoute:
    """An entry point that reaches a function through the static call graph."""

    entry: str
    """The entry point's function (or the module, for a __main__ block)."""
    label: str
    """How it is invoked: `GET /cart/<id>`, `celery task sync`, `python -m app`."""
    path: tuple[str, ...]
    """One shortest call path, entry first, the function last."""


@dataclass(frozen=True, slots=True)
class InferredTraffic:
    """Calls/min estimated from callers for a function with no runtime data of its own."""

    calls_per_min: float
    confidence: Literal["medium", "low"]
    """medium (every direct caller has data) or low (only some do)."""
    callers: tuple[tuple[str, float], ...]
    """Direct callers with runtime data, and their calls/min."""
    unknown_callers: int
    """Direct callers without runtime data."""
    service: str | None = None
    """Where its busiest caller with data runs: the service a fault in it would show in first."""


@dataclass(frozen=True, slots=True)
class RuntimeStats:
    """What production does with one function, as the runtime data measured it. None always means
    unknown. The one type for it: the snapshot's prepared answers and each changed function's
    exposure carry this value, never a copy of its fields."""

    calls_per_min: float | None = None
    """None means unknown: no runtime data matched this function."""
    service: str | None = None
    """The service that runs it most (others in services)."""
    services: tuple[str, ...] = ()
    share_of_service: float | None = None
    """calls/min over the requests/min its service serves: the share of requests that run it."""
    p50_ms: float | None = None
    p99_ms: float | None = None
    error_rate: float | None = None
    endpoints: tuple[str, ...] = ()
    """Routes whose requests ran it (from traces), busiest first."""
    slos: tuple[SloStatus, ...] = ()
    """SLOs of its service that cover those endpoints (or the whole service)."""
    source: str | None = None
    """Telemetry format the numbers came from (otlp, pstats, ...)."""


UNMEASURED = RuntimeStats()
"""No runtime data matched the function: everything unknown."""


@dataclass(frozen=True, slots=True)
class FunctionExposure:
    """A changed function joined to what production does with it. None always means unknown."""

    change: FunctionChange
    runtime: RuntimeStats = UNMEASURED
    """What the runtime data measured (UNMEASURED when nothing matched)."""
    routes: tuple[ReachRoute, ...] = ()
    """Entry points that reach it statically, nearest first."""
    inferred: InferredTraffic | None = None
    """When calls_per_min is unknown: an estimate from its callers, if any has data."""
    callers: int | None = None
    """Callers at risk: production functions in the head's call graph that call it and that the
    change did not itself modify or add; None without a code index."""
    production: bool = True
    """False when its file is non-production (tests, docs, examples, ...: config paths.non_production):
    listed, but never scored for traffic, callers or unknown traffic."""
    callers_left_out: int = 0
    """Callers in non-production files, not counted in callers."""
    callers_updated: int = 0
    """Production callers the change itself modified or added, not counted in callers."""

    # The measured values, read through: `item.calls_per_min` is `item.runtime.calls_per_min`.
    @property
    def calls_per_min(self) -> float | None:
        """Measured calls/min; None means unknown (see inferred)."""
        return self.runtime.calls_per_min

    @property
    def service(self) -> str | None:
        """The service that runs it most."""
        return self.runtime.service

    @property
    def services(self) -> tuple[str, ...]:
        """Every service that runs it."""
        return self.runtime.services

    @property
    def share_of_service(self) -> float | None:
        """The share of its service's requests that run it."""
        return self.runtime.share_of_service

    @property
    def p50_ms(self) -> float | None:
        """Median latency."""
        return self.runtime.p50_ms

    @property
    def p99_ms(self) -> float | None:
        """99th percentile latency."""
        return self.runtime.p99_ms

    @property
    def error_rate(self) -> float | None:
        """Share of executions that raised."""
        return self.runtime.error_rate

    @property
    def endpoints(self) -> tuple[str, ...]:
        """Routes whose requests ran it, busiest first."""
        return self.runtime.endpoints

    @property
    def slos(self) -> tuple[SloStatus, ...]:
        """SLOs that cover its endpoints or its service."""
        return self.runtime.slos

    @property
    def source(self) -> str | None:
        """Telemetry format the numbers came from."""
        return self.runtime.source


@dataclass(frozen=True, slots=True)
class RuntimeInfo:
    """Where the runtime data came from and how fresh and complete it is."""

    location: str
    generated_at: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    age_hours: float | None = None
    """Hours from the end of the observed window to the check."""
    resolution_rate: float | None = None
    """Share of runtime functions matched to a definition in the repository."""


@dataclass(frozen=True, slots=True)
class Exposure:
    """Stage 4 output: changed functions with their runtime data, and coverage."""

    functions: tuple[FunctionExposure, ...]
    source: str | None
    """Where the runtime data came from (a file or snapshot path), or None when there was none."""
    runtime: RuntimeInfo | None = None
    callers_left_out: int | None = None
    """Distinct non-production functions that call a changed function; None without a code index."""
    entry_points_left_out: int | None = None
    """Entry points in non-production files (commands defined inside tests, ...), never used as
    entry points; None without a code index."""
    call_graph: str | None = None
    """How the code index's call graph was solved: "exact", or "approximate" (the pre-push hook
    resumed the last solve through widened slots, callgraph/incremental.py); None without one."""
    absent: str | None = None
    """The configured snapshot (runtime.snapshot) when it does not exist here, which is why there is
    no runtime data: a job has not built it yet, or not in this clone."""

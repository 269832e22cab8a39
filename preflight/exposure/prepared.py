"""A runtime snapshot reduced to what `check`, `simulate` and `context` ask of it, in plain Python.

Every question they put to a snapshot (a function's traffic, latency, errors, routes and SLOs;
the calls/min of every function; the service graph; a function's runs per request and the
calls it makes; freshness) depends on the snapshot alone, not on the change.
`exposure.snapshot.prepare` answers them all once, with pandas; the answers are a `Prepared`,
which is read without pandas: `collect` stores it in the snapshot (prepared.json) and
exposure/cache.py loads it from there or from its cache instead of the Parquet tables.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight.errors import InputError
from preflight.models import (
    UNMEASURED,
    ChangeSet,
    Exposure,
    FunctionChange,
    FunctionExposure,
    RuntimeInfo,
    RuntimeStats,
    Services,
)
from preflight.runtime.integrity import CLOCK_SKEW, REBUILD, timestamp


@dataclass(frozen=True, slots=True)
class CallMade:
    """One edge of the snapshot from a function: the service it calls and how often."""

    callee_service: str
    calls_per_min: float | None
    calls_per_caller_request: float | None


@dataclass(frozen=True, slots=True)
class Prepared:
    """Every change-independent answer a snapshot gives."""

    functions: dict[str, RuntimeStats | None]
    """Every name the snapshot has; None when it has the name but no call counts."""
    rates: dict[str, float]
    services: Services | None
    """The measured service graph when the snapshot has calls between services, else None."""
    meta: dict[str, Any] = field(default_factory=dict)
    """generated_at, window_start, window_end and resolution_rate of the snapshot."""
    graph: Services | None = None
    """The service graph from the endpoints and edges even with no edges (simulate's); None: as services."""
    runs: dict[tuple[str, str], float] = field(default_factory=dict)
    """(service, function): its executions per request of the service, where both are measured."""
    calls_made: dict[tuple[str, str], tuple[CallMade, ...]] = field(default_factory=dict)
    """(service, function): the calls to other services the snapshot's edges say it makes."""
    route_runs: dict[tuple[str, str], tuple[tuple[str, float], ...]] = field(default_factory=dict)
    """(service, function): its executions per request of each route of the service that reaches
    it (services with two routes or more); routes not listed never run it."""

    def measured(self) -> Services:
        """The service graph the snapshot measured (services, calls, rates, every SLO)."""
        found = self.graph if self.graph is not None else self.services
        return found if found is not None else Services((), (), (), ())

    def runs_per_request(self, service: str, qualname: str) -> float | None:
        """A function's executions per request of a service: below 1 the share of requests that run
        it, above 1 how many times each request runs it; None when either is not measured."""
        return self.runs.get((service, qualname))

    def runs_per_route(self, service: str, qualname: str) -> tuple[tuple[str, float], ...]:
        """A function's executions per request of each route that reaches it; empty when unknown."""
        return self.route_runs.get((service, qualname), ())

    def join(self, changes: ChangeSet, location: str, now: datetime.datetime) -> Exposure:
        """Every changed function with what the snapshot knows; no rows means unknown, never zero."""
        rows = tuple(self._expose(change) for change in changes.functions)
        return Exposure(rows, location, self.runtime_info(location, now))

    def _expose(self, change: FunctionChange) -> FunctionExposure:
        # production runs the base, so the base name is tried first
        name = next(
            (n for n in (change.old_qualname, change.qualname) if n is not None and n in self.functions), None
        )
        found = self.functions.get(name) if name is not None else None
        return FunctionExposure(change, found if found is not None else UNMEASURED)

    def runtime_info(self, location: str, now: datetime.datetime) -> RuntimeInfo:
        """Freshness and coverage of the snapshot; a window that ends in the future is an InputError."""
        end = self.meta.get("window_end")
        meta = str(Path(location) / "meta.json")
        ended = timestamp(end, meta, "window_end")
        age = None
        if ended is not None:
            if ended - now > CLOCK_SKEW:
                # a negative age is never stale: the collector's clock or this one is wrong
                raise InputError(
                    f"{meta}: window_end {end} is in the future ({(ended - now).total_seconds() / 3600:.2f} h "
                    f"after this machine's {now.isoformat(timespec='seconds')}; "
                    f"{CLOCK_SKEW.total_seconds() / 60:.0f} min of clock skew is allowed): correct the clock "
                    f"that is wrong, then {REBUILD}"
                )
            age = max(0.0, round((now - ended).total_seconds() / 3600, 2))
        return RuntimeInfo(
            location=location,
            generated_at=self.meta.get("generated_at"),
            window_start=self.meta.get("window_start"),
            window_end=end if isinstance(end, str) else None,
            age_hours=age,
            resolution_rate=self.meta.get("resolution_rate"),
        )

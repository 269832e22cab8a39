"""A runtime snapshot reduced to what `check` asks of it, in plain Python, cached per snapshot.

Every question check puts to a snapshot (a function's traffic, latency, errors, routes and
SLOs; the calls/min of every function; the service graph; freshness) depends on the
snapshot alone, not on the change. `exposure.snapshot.prepare` answers them all once, with
pandas; the answers are a `Prepared`, which the join then reads without pandas. A warm
`check` or pre-push hook loads the `Prepared` from a JSON file in the clone's git directory
instead of the Parquet tables, so it imports neither pandas nor pyarrow.

The cache file is named by the snapshot's identity (the bytes of meta.json and of every table)
and this module's FORMAT: a rebuilt, edited or damaged snapshot, or another preflight version,
simply misses, and the tables are read and validated again (runtime/integrity.py). Sizes and
modification times would not do: a copy restores them, and a damaged table of the same size
would be answered from the good one's cache. It is JSON (plain data; nothing runs on load), and one
that does not parse is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from preflight import __version__
from preflight.errors import InputError
from preflight.files import write_atomic
from preflight.models import ChangeSet, Exposure, FunctionChange, FunctionExposure, RuntimeInfo, SloStatus
from preflight.runtime.integrity import CLOCK_SKEW, REBUILD, timestamp
from preflight.runtime.schema import TABLES

if TYPE_CHECKING:
    from preflight.propagation.graph import Call, Service, ServiceGraph

FORMAT = 1
"""Bump when Prepared changes shape or meaning: older cache files are then not found."""


@dataclass(frozen=True, slots=True)
class FunctionRuntime:
    """What the snapshot knows about one function, by repository name (telemetry name if unresolved)."""

    calls_per_min: float | None
    service: str | None = None
    services: tuple[str, ...] = ()
    share_of_service: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    error_rate: float | None = None
    endpoints: tuple[str, ...] = ()
    slos: tuple[SloStatus, ...] = ()
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Services:
    """The measured service graph and what it is judged against."""

    services: tuple[Service, ...]
    calls: tuple[Call, ...]
    rates: tuple[tuple[str, str, float | None], ...]
    """Measured calls/min per (caller, callee) pair, summed over routes; None when unknown."""
    slos: tuple[SloStatus, ...]

    def graph(self) -> ServiceGraph:
        from preflight.propagation.graph import ServiceGraph

        return ServiceGraph(self.services, self.calls)


@dataclass(frozen=True, slots=True)
class Prepared:
    """Every change-independent answer a snapshot gives."""

    functions: dict[str, FunctionRuntime | None]
    """Every name the snapshot has; None when it has the name but no call counts."""
    rates: dict[str, float]
    services: Services | None
    meta: dict[str, Any] = field(default_factory=dict)
    """generated_at, window_start, window_end and resolution_rate of the snapshot."""

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
        if found is None:
            return FunctionExposure(change, None)
        return FunctionExposure(change, **{key: getattr(found, key) for key in FunctionRuntime.__slots__})

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


def load(directory: Path, cache_dir: Path | None) -> Prepared:
    """The snapshot's Prepared: from the cache when it has this snapshot, else read, prepared and stored."""
    key = identity(directory) if cache_dir is not None else None
    cached = cache_dir / f"{key}.json" if cache_dir is not None and key is not None else None
    found = _read(cached) if cached is not None else None
    if found is not None:
        return found
    from preflight.exposure.snapshot import prepare
    from preflight.runtime import snapshot

    prepared = prepare(snapshot.read(directory))
    if cached is not None:
        _write(cached, prepared)
    return prepared


def identity(directory: Path) -> str | None:
    """A name for exactly these bytes on disk; None when a file is missing or unreadable (read says why)."""
    digest = hashlib.blake2b(f"{__version__}:{FORMAT}".encode(), digest_size=16)
    try:
        for name in ("meta.json", *(f"{table}.parquet" for table in TABLES)):
            digest.update(f"{name}\0".encode())
            with (directory / name).open("rb") as handle:
                # the length first, so no file's bytes can pass for the next one's
                digest.update(f"{os.fstat(handle.fileno()).st_size}\0".encode())
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
    except OSError:
        return None  # a directory or a missing table included: read names it
    return digest.hexdigest()


def _read(path: Path) -> Prepared | None:
    try:
        return from_plain(orjson.loads(path.read_bytes()))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None  # absent, or damaged: prepare again


def _write(path: Path, prepared: Prepared) -> None:
    """Atomically, and never an error: a cache that cannot be written only costs the next run time."""
    with contextlib.suppress(OSError):
        write_atomic(path, orjson.dumps(to_plain(prepared)).decode())


def to_plain(prepared: Prepared) -> dict[str, Any]:
    """JSON-ready data (dataclasses as dicts, tuples as lists)."""
    return {
        "functions": {k: None if v is None else asdict(v) for k, v in prepared.functions.items()},
        "rates": prepared.rates,
        "services": None if prepared.services is None else asdict(prepared.services),
        "meta": prepared.meta,
    }


def from_plain(data: Mapping[str, Any]) -> Prepared:
    """The Prepared that to_plain wrote."""
    services = data["services"]
    return Prepared(
        functions={k: None if v is None else _function(v) for k, v in data["functions"].items()},
        rates={str(k): float(v) for k, v in data["rates"].items()},
        services=None if services is None else _services(services),
        meta=dict(data["meta"]),
    )


def _function(data: Mapping[str, Any]) -> FunctionRuntime:
    return FunctionRuntime(
        **{
            **data,
            "services": tuple(data["services"]),
            "endpoints": tuple(data["endpoints"]),
            "slos": tuple(SloStatus(**slo) for slo in data["slos"]),
        }
    )


def _services(data: Mapping[str, Any]) -> Services:
    from preflight.propagation.graph import Call, Service

    return Services(
        services=tuple(Service(**s) for s in data["services"]),
        calls=tuple(Call(**c) for c in data["calls"]),
        rates=tuple((str(a), str(b), None if r is None else float(r)) for a, b, r in data["rates"]),
        slos=tuple(SloStatus(**slo) for slo in data["slos"]),
    )

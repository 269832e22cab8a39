"""The prepared form of a runtime snapshot as JSON: in the snapshot (prepared.json, written by
`collect`) and cached per snapshot, so check, simulate and context need no pandas.

Both are named by the snapshot's identity: the bytes of meta.json and of every table, and this
module's FORMAT. prepared.json records the tables' digest it was made from; a rebuilt, edited or
damaged snapshot, or a prepared form of another FORMAT, is not used, and the tables are read and
validated again (runtime/integrity.py, which needs the [collect] extra). The cache's key adds
preflight's version. Sizes and modification times would not do: a copy restores them, and a
damaged table of the same size would be answered from the good one's prepared form. It is JSON
(plain data; nothing runs on load), and one that does not parse is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson

from preflight import __version__, extras
from preflight.exposure.prepared import CallMade, Prepared
from preflight.files import read_regular, write_atomic
from preflight.models import Call, Route, RouteCall, RuntimeStats, Service, Services, SloStatus
from preflight.runtime import integrity
from preflight.runtime.schema import TABLES

FORMAT = 4
"""Bump when Prepared changes shape or meaning (or `prepare` its answers): older prepared forms,
in snapshots and in the cache, are then not used."""

EMBEDDED = "prepared.json"
"""The prepared form's file in a snapshot directory."""


def load(directory: Path, cache_dir: Path | None) -> Prepared:
    """The snapshot's Prepared: from the cache, else from the snapshot's own prepared form, else
    read from its tables and prepared (with pandas); stored in the cache when there is one."""
    tables = digest(directory)
    cached = cache_dir / f"{_key(tables)}.json" if cache_dir is not None and tables is not None else None
    found = _read(cached) if cached is not None else None
    if found is not None:
        return found
    found = from_snapshot(directory, tables) if tables is not None else None
    if found is None:
        integrity.read_meta(directory)  # a directory that is no snapshot says so first (no pandas)
        extras.need(
            "collect",
            f"reading the tables of the snapshot {directory} (it carries no prepared form that "
            f"this preflight reads: collect it again with this version to check without them)",
        )
        # pandas and pyarrow only when neither the cache nor the snapshot has the prepared form
        from preflight.exposure.snapshot import prepare
        from preflight.runtime import snapshot

        found = prepare(snapshot.read(directory))
    if cached is not None:
        _write(cached, found)
    return found


def embedded(staged: Path) -> dict[str, bytes]:
    """The prepared form of the snapshot just written to staged, as `snapshot.write`'s companion file."""
    from preflight.exposure.snapshot import prepare
    from preflight.runtime import snapshot

    prepared = prepare(snapshot.read(staged))
    document = {"format": FORMAT, "tables": digest(staged), "by": __version__, "prepared": to_plain(prepared)}
    return {EMBEDDED: orjson.dumps(document)}


def from_snapshot(directory: Path, tables: str) -> Prepared | None:
    """The snapshot's prepared.json when it is this FORMAT's and made from these very tables."""
    data = read_regular(directory / EMBEDDED)
    try:
        document = orjson.loads(data) if data is not None else None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            return None
        if document.get("tables") != tables:
            return None
        return from_plain(document["prepared"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None  # damaged: the tables decide


def _key(tables: str) -> str:
    """The cache file's name: the tables' digest under this preflight version and FORMAT."""
    return hashlib.blake2b(f"{__version__}:{FORMAT}:{tables}".encode(), digest_size=16).hexdigest()


def digest(directory: Path) -> str | None:
    """A name for exactly these bytes on disk (meta.json and every table); None when a file is
    missing, unreadable or not a regular file (snapshot.read then says why)."""
    found = hashlib.blake2b(digest_size=16)
    for name in ("meta.json", *(f"{table}.parquet" for table in TABLES)):
        data = read_regular(directory / name)
        if data is None:
            return None
        # the length first, so no file's bytes can pass for the next one's
        found.update(f"{name}\0{len(data)}\0".encode())
        found.update(data)
    return found.hexdigest()


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
    """JSON-ready data (dataclasses as dicts, tuples as lists; the graph once)."""
    return {
        "functions": {k: None if v is None else asdict(v) for k, v in prepared.functions.items()},
        "rates": prepared.rates,
        "graph": asdict(prepared.measured()),
        "edges": prepared.services is not None,
        "runs": [[service, name, runs] for (service, name), runs in prepared.runs.items()],
        "calls_made": [
            [service, name, [asdict(call) for call in calls]]
            for (service, name), calls in prepared.calls_made.items()
        ],
        "route_runs": [
            [service, name, [list(r) for r in runs]] for (service, name), runs in prepared.route_runs.items()
        ],
        "meta": prepared.meta,
    }


def from_plain(data: Mapping[str, Any]) -> Prepared:
    """The Prepared that to_plain wrote."""
    graph = _services(data["graph"])
    return Prepared(
        functions={k: None if v is None else _function(v) for k, v in data["functions"].items()},
        rates={str(k): float(v) for k, v in data["rates"].items()},
        services=graph if data["edges"] is True else None,
        graph=graph,
        runs={(str(service), str(name)): float(runs) for service, name, runs in data["runs"]},
        calls_made={
            (str(service), str(name)): tuple(CallMade(**call) for call in calls)
            for service, name, calls in data["calls_made"]
        },
        route_runs={
            (str(service), str(name)): tuple((str(route), float(runs)) for route, runs in found)
            for service, name, found in data["route_runs"]
        },
        meta=dict(data["meta"]),
    )


def _function(data: Mapping[str, Any]) -> RuntimeStats:
    return RuntimeStats(
        **{
            **data,
            "services": tuple(data["services"]),
            "endpoints": tuple(data["endpoints"]),
            "slos": tuple(SloStatus(**slo) for slo in data["slos"]),
        }
    )


def _services(data: Mapping[str, Any]) -> Services:
    return Services(
        services=tuple(
            Service(**{**s, "routes": tuple(Route(**r) for r in s["routes"]), "hosts": tuple(s["hosts"])})
            for s in data["services"]
        ),
        calls=tuple(
            Call(**{**c, "routes": tuple(RouteCall(**r) for r in c["routes"])}) for c in data["calls"]
        ),
        rates=tuple((str(a), str(b), None if r is None else float(r)) for a, b, r in data["rates"]),
        slos=tuple(SloStatus(**slo) for slo in data["slos"]),
    )

"""The prepared form of a runtime snapshot, cached per snapshot as JSON, so a warm check needs no pandas.

The cache file is named by the snapshot's identity (the bytes of meta.json and of every table)
and this module's FORMAT: a rebuilt, edited or damaged snapshot, or another preflight version,
simply misses, and the tables are read and validated again (runtime/integrity.py). Sizes and
modification times would not do: a copy restores them, and a damaged table of the same size
would be answered from the good one's cache. It is JSON (plain data; nothing runs on load), and one
that does not parse is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson

from preflight import __version__
from preflight.exposure.prepared import Prepared
from preflight.files import write_atomic
from preflight.models import Call, RuntimeStats, Service, Services, SloStatus
from preflight.runtime.schema import TABLES

FORMAT = 1
"""Bump when Prepared changes shape or meaning: older cache files are then not found."""


def load(directory: Path, cache_dir: Path | None) -> Prepared:
    """The snapshot's Prepared: from the cache when it has this snapshot, else read, prepared and stored."""
    key = identity(directory) if cache_dir is not None else None
    cached = cache_dir / f"{key}.json" if cache_dir is not None and key is not None else None
    found = _read(cached) if cached is not None else None
    if found is not None:
        return found
    # pandas and pyarrow only when the cache misses
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
            # O_NONBLOCK: a FIFO must not hang the hook; only a regular file is read (a link to
            # /dev/zero would never end), anything else is left to read, which names it
            fd = os.open(directory / name, os.O_RDONLY | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode):
                    return None
                # the length first, so no file's bytes can pass for the next one's
                digest.update(f"{info.st_size}\0".encode())
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
        services=tuple(Service(**s) for s in data["services"]),
        calls=tuple(Call(**c) for c in data["calls"]),
        rates=tuple((str(a), str(b), None if r is None else float(r)) for a, b, r in data["rates"]),
        slos=tuple(SloStatus(**slo) for slo in data["slos"]),
    )

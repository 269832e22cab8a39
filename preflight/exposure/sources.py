"""Runtime data for the join, loaded and validated before any work: a snapshot (prepared, cached)
or a `qualname,calls_per_min` CSV; and the join of changed functions to it.
"""

from __future__ import annotations

import csv
import datetime
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from preflight.errors import InputError
from preflight.exposure import cache
from preflight.exposure.prepared import Prepared
from preflight.models import ChangeSet, Exposure, FunctionExposure, RuntimeStats, Services

REQUIRED_COLUMNS = ("qualname", "calls_per_min")


def load_calls(path: Path) -> dict[str, float]:
    """Read a `qualname,calls_per_min` CSV; every bad row is an error naming file and line."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise InputError(
                    f"{path}:1: missing column(s) {', '.join(missing)}; the header must be "
                    f"'{','.join(REQUIRED_COLUMNS)}'"
                )
            calls: dict[str, float] = {}
            first_seen: dict[str, int] = {}
            for row in reader:
                line = reader.line_num
                name = (row.get("qualname") or "").strip()
                if not name:
                    raise InputError(f"{path}:{line}: empty qualname; give a dotted name like pkg.mod.func")
                calls[name] = _rate(path, line, row.get("calls_per_min"))
                if name in first_seen:
                    raise InputError(
                        f"{path}:{line}: {name} already given on line {first_seen[name]}; "
                        "keep one row per function"
                    )
                first_seen[name] = line
            return calls
    except OSError as e:
        raise InputError(f"{path}: cannot read calls file ({e.strerror}); check the --calls path") from e
    except (UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: not a UTF-8 CSV file ({e})") from e


def _rate(path: Path, line: int, text: str | None) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        raise InputError(
            f"{path}:{line}: calls_per_min {text!r} is not a number; use a rate like 1200 or 0.5"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{path}:{line}: calls_per_min {text!r} must be a finite number >= 0")
    return value


def join(changes: ChangeSet, calls: dict[str, float] | None, source: str | None) -> Exposure:
    """Attach calls/min to each changed function; production runs the base, so the old name wins."""
    rows = []
    for change in changes.functions:
        rate = None
        if calls is not None:
            for name in (change.old_qualname, change.qualname):
                if name is not None and name in calls:
                    rate = calls[name]
                    break
        rows.append(FunctionExposure(change, RuntimeStats(rate)))
    return Exposure(tuple(rows), source if calls is not None else None)


def mark_production(exposure: Exposure, is_production: Callable[[str], bool]) -> Exposure:
    """Each function marked production or not by its file (tests, docs, ... are not scored)."""
    return replace(
        exposure,
        functions=tuple(
            item if is_production(item.change.path) else replace(item, production=False)
            for item in exposure.functions
        ),
    )


class Runtime(Protocol):
    """Runtime data loaded before any work, ready to join to a change set."""

    def join(self, changes: ChangeSet, now: datetime.datetime) -> Exposure:
        """Each changed function with what is known about it in production."""

    def rates(self) -> Mapping[str, float]:
        """Calls/min of every function with runtime data, by repository qualified name."""

    def services(self) -> Services | None:
        """The measured service graph and its SLOs, or None when the data has no services."""

    def homes(self) -> Mapping[str, str]:
        """The service that runs each function most, by repository qualified name (when known)."""


@dataclass(frozen=True, slots=True)
class _Calls:
    calls: dict[str, float] | None
    location: str | None
    absent: str | None = None
    """No data because the configured snapshot is not there (Exposure.absent)."""

    def join(self, changes: ChangeSet, now: datetime.datetime) -> Exposure:
        return replace(join(changes, self.calls, self.location), absent=self.absent)

    def rates(self) -> Mapping[str, float]:
        return self.calls or {}

    def services(self) -> Services | None:
        return None

    def homes(self) -> Mapping[str, str]:
        return {}


@dataclass(frozen=True, slots=True)
class _Snapshot:
    prepared: Prepared
    location: str

    def join(self, changes: ChangeSet, now: datetime.datetime) -> Exposure:
        return self.prepared.join(changes, self.location, now)

    def rates(self) -> Mapping[str, float]:
        return self.prepared.rates

    def services(self) -> Services | None:
        return self.prepared.services

    def homes(self) -> Mapping[str, str]:
        return {
            name: found.service for name, found in self.prepared.functions.items() if found and found.service
        }


def absent(configured: str) -> Runtime:
    """No runtime data, because the snapshot the config names (runtime.snapshot) does not exist here."""
    return _Calls(None, None, configured)


def load(
    calls_file: Path | None = None, snapshot_dir: Path | None = None, cache_dir: Path | None = None
) -> Runtime:
    """Read and validate the runtime data (a snapshot, a calls CSV, or none) before any other work.

    With a cache_dir, a snapshot seen before is read from its prepared form there (no pandas).
    """
    if calls_file is not None and snapshot_dir is not None:
        raise InputError("--calls and --snapshot both given; pass one source of runtime data")
    if snapshot_dir is not None:
        return _Snapshot(cache.load(snapshot_dir, cache_dir), str(snapshot_dir))
    if calls_file is not None:
        return _Calls(load_calls(calls_file), str(calls_file))
    return _Calls(None, None)

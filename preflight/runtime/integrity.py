"""A snapshot checked against its own meta.json and against the schema, before anything reads it.

`preflight collect` writes a snapshot whole: every table, and meta.json recording how many rows
each holds. A missing table, a table copied over another, a directory where a file belongs, a
file cut short or a value no collector writes (an error rate of 7, an infinite rate) would
otherwise read as "less traffic", a quieter score. Each is an InputError naming the file (and
column or field) and the fix instead. The same value rules guard the writer, so a snapshot that
would be refused on read is never written.

pandas and numpy are imported inside the functions that need them: `timestamp` is used by the
prepared-snapshot cache, which a warm check reads without them.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight.errors import InputError
from preflight.runtime.schema import META_TIMES, OPTIONAL, SCHEMA_VERSION, SHARES, SIGNED, TABLES

if TYPE_CHECKING:
    import pandas as pd

REBUILD = "rebuild the snapshot with `preflight collect`"
META = "meta.json"
CLOCK_SKEW = datetime.timedelta(minutes=5)
"""How far in the future a window may end before the clocks are called wrong (NTP keeps them closer)."""


def timestamp(value: object, where: str, field: str) -> datetime.datetime | None:
    """An ISO 8601 time with a timezone, or None for null; InputError naming where and field otherwise."""
    if value is None:
        return None
    parsed = None
    if isinstance(value, str):
        try:
            # Python 3.10's fromisoformat does not read a trailing Z
            parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InputError(
            f"{where}: {field} {value!r} is not an ISO 8601 time with a timezone "
            f"(like 2026-11-22T09:29:42+00:00); {REBUILD}"
        )
    return parsed


def read_meta(directory: Path) -> dict[str, Any]:
    """The snapshot's meta.json, checked, once every table it records is a file (no pandas needed);
    an InputError naming the file and the fix otherwise."""
    meta_path = directory / META
    if not meta_path.is_file():
        raise InputError(
            f"{directory}: not a preflight snapshot (no {META}); build one with "
            "`preflight collect TELEMETRY... --output DIR`"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"{meta_path}: unreadable ({e}); {REBUILD}") from e
    version = meta.get("schema_version") if isinstance(meta, dict) else None
    if isinstance(meta, dict) and version != SCHEMA_VERSION:
        raise InputError(
            f"{meta_path}: schema_version {version!r}, this preflight reads {SCHEMA_VERSION}; {REBUILD}"
        )
    checked = check_meta(meta_path, meta)
    for name in TABLES:
        table_file(directory, name, checked["rows"][name])
    return checked


def check_meta(path: Path, meta: object) -> dict[str, Any]:
    """meta.json's fields that check reads (row counts, times, resolution), or an InputError naming one."""
    if not isinstance(meta, dict):
        raise InputError(f"{path}: not a JSON object (it is a {type(meta).__name__}); {REBUILD}")
    _check_rows(path, meta.get("rows"))
    times = {field: timestamp(meta.get(field), str(path), field) for field in META_TIMES}
    start, end = times["window_start"], times["window_end"]
    if start is not None and end is not None and start > end:
        raise InputError(
            f"{path}: window_start {meta['window_start']} is after window_end {meta['window_end']}; {REBUILD}"
        )
    resolution = meta.get("resolution")
    if resolution is not None and not isinstance(resolution, dict):
        raise InputError(
            f'{path}: resolution must be a mapping (like {{"rate": 0.93}}), '
            f"not a {type(resolution).__name__}; {REBUILD}"
        )
    rate = (resolution or {}).get("rate")
    if rate is not None and not (_is_number(rate) and 0 <= rate <= 1):
        raise InputError(f"{path}: resolution.rate {rate!r} is not a share between 0 and 1; {REBUILD}")
    hosts = meta.get("hosts")
    if hosts is not None and not (
        isinstance(hosts, dict)
        and all(isinstance(v, list) and all(isinstance(h, str) for h in v) for v in hosts.values())
    ):
        raise InputError(f"{path}: hosts must map each service to a list of host names; {REBUILD}")
    return meta


def _check_rows(path: Path, rows: object) -> None:
    if rows is None:
        raise InputError(
            f"{path}: no row counts (rows), so its tables cannot be checked against it; "
            f"it was not written by `preflight collect`: {REBUILD}"
        )
    if not isinstance(rows, dict):
        raise InputError(f"{path}: rows must map each table to its row count; {REBUILD}")
    for name in TABLES:
        count = rows.get(name)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InputError(f"{path}: rows.{name} {count!r} is not a row count; {REBUILD}")


def table_file(directory: Path, name: str, rows: int) -> Path:
    """The table's file, which the writer always writes, even empty; InputError when it is not there."""
    path = directory / f"{name}.parquet"
    if not path.exists():
        raise InputError(f"{path}: missing (meta.json records {rows} rows); {REBUILD}")
    if not path.is_file():
        raise InputError(f"{path}: not a file (meta.json records a table of {rows} rows); {REBUILD}")
    return path


def check_columns(path: Path, name: str, frame: pd.DataFrame) -> None:
    """The file holds the table's columns and types; another table's file says which one it is."""
    found, wanted = set(map(str, frame.columns)), set(TABLES[name])
    if found != wanted and not (wanted - found <= OPTIONAL.get(name, frozenset()) and found <= wanted):
        other = next((t for t, columns in TABLES.items() if set(columns) == found), None)
        if other is not None:
            raise InputError(f"{path}: holds the columns of the {other} table, not of {name}; {REBUILD}")
        missing, extra = sorted(wanted - found), sorted(found - wanted)
        said = "; ".join(
            part
            for part in (
                f"missing columns {', '.join(missing)}" if missing else "",
                f"unknown columns {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise InputError(f"{path}: not a {name} table: {said}; {REBUILD}")
    for column, (dtype, _) in TABLES[name].items():
        if column not in found:
            continue  # an optional column of a snapshot written before it (conform fills it in)
        problem = _kind_problem(frame[column], dtype)
        if problem is not None:
            raise InputError(f"{path}: column {column} {problem} ({dtype} expected); {REBUILD}")


def _kind_problem(series: pd.Series, dtype: str) -> str | None:
    import pandas as pd

    known = series.dropna()
    if known.empty:
        return None  # all unknown: any stored type reads as missing values
    if dtype == "string":
        if pd.api.types.is_string_dtype(series.dtype) and all(isinstance(v, str) for v in known):
            return None
        return "holds values that are not text"
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        return "holds values that are not numbers"
    if dtype == "Int64":
        values = known.to_numpy(dtype="float64")
        if any(not math.isfinite(v) or v != math.floor(v) for v in values):
            return "holds values that are not whole numbers"
    return None


def check_count(path: Path, frame: pd.DataFrame, rows: int) -> None:
    """As many rows as meta.json records: fewer or more means the file was replaced or cut short."""
    if len(frame) != rows:
        raise InputError(
            f"{path}: {len(frame)} rows, meta.json records {rows}: the file was replaced or cut short; {REBUILD}"
        )


def check_values(where: str, name: str, frame: pd.DataFrame, fix: str = REBUILD) -> None:
    """Every number of a conformed table finite and in its column's range; InputError naming the first."""
    import numpy as np

    for column, (dtype, _) in TABLES[name].items():
        if dtype == "string":
            continue
        values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        known = ~np.isnan(values)
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(values)
            if column in SHARES:
                bad, rule = ~finite | (values < 0) | (values > 1), "outside 0..1 (or not finite)"
            elif column in SIGNED:
                bad, rule = ~finite, "not finite"
            else:
                bad, rule = ~finite | (values < 0), "negative or not finite"
        bad &= known
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{where}: column {column} has {int(bad.sum())} value(s) {rule}, "
                f"the first {float(values[first])!r} in row {first + 1}; {fix}"
            )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

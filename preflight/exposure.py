"""Stage 4, exposure: join changed functions to runtime data.

For now the runtime data is a CSV of `qualname,calls_per_min`; the runtime
snapshot (a later stage) replaces it behind the same Exposure contract.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from preflight.errors import InputError
from preflight.models import ChangeSet, Exposure, FunctionExposure

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
        rows.append(FunctionExposure(change, rate))
    return Exposure(tuple(rows), source if calls is not None else None)

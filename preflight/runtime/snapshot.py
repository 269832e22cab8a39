"""The snapshot on disk: one Parquet file per table plus meta.json, written atomically."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from preflight.errors import InputError
from preflight.files import umask_mode
from preflight.runtime import integrity
from preflight.runtime.schema import SCHEMA_VERSION, TABLES
from preflight.runtime.staging import clean_abandoned, create_staging

META = integrity.META


@dataclass(slots=True)
class Snapshot:
    """The tables and their metadata (inside the runtime stage only)."""

    tables: dict[str, pd.DataFrame]
    meta: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """One table, always with its schema columns (empty when absent)."""
        return self.tables.get(name, empty(name))


def empty(name: str) -> pd.DataFrame:
    """An empty table with the schema's columns and dtypes."""
    columns = TABLES[name]
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, (dtype, _) in columns.items()})


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with exactly the schema's columns, in order, with the schema's dtypes."""
    columns = TABLES[name]
    out = {}
    for column, (dtype, _) in columns.items():
        values = frame[column] if column in frame.columns else pd.Series([None] * len(frame), dtype="object")
        out[column] = pd.Series(values.to_numpy(dtype=object), dtype="object").astype(dtype)
    return pd.DataFrame(out)


def write(
    snapshot: Snapshot, directory: Path, companions: Callable[[Path], Mapping[str, bytes]] | None = None
) -> None:
    """Write to a temporary sibling, then swap it in: a failure never leaves a half-written snapshot.

    meta.json records each table's row count, which `read` checks the files against; a table
    with a value `read` would refuse (a share above 1, an infinite rate) is refused here first.
    companions: given the written (staged) snapshot's directory, more files to put beside the
    tables (their names and bytes), swapped in with them (exposure/cache.py's prepared form).
    """
    directory = directory.resolve()
    tables = {name: conform(name, snapshot.table(name)) for name in TABLES}
    for name, frame in tables.items():
        integrity.check_values(
            f"the collected {name} table", name, frame, "check the telemetry or tables it was built from"
        )
    meta = {
        "schema_version": SCHEMA_VERSION,
        **snapshot.meta,
        "rows": {name: len(frame) for name, frame in tables.items()},
    }
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        clean_abandoned(directory)
        temporary = create_staging(directory, "staging")
    except OSError as e:
        raise _unwritable(directory, e) from None
    try:
        os.chmod(temporary, umask_mode(executable=True))  # mkdtemp's 0700 would hide it from others
        for name, frame in tables.items():
            frame.to_parquet(temporary / f"{name}.parquet", index=False)
        (temporary / META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        for name, data in (companions(temporary) if companions is not None else {}).items():
            (temporary / name).write_bytes(data)
        _swap(temporary, directory)
    except OSError as e:
        shutil.rmtree(temporary, ignore_errors=True)
        if isinstance(e, InputError):
            raise
        raise _unwritable(directory, e) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _unwritable(directory: Path, e: OSError) -> InputError:
    """A failed snapshot write (a full disk, a quota, a read-only place), naming where."""
    return InputError(
        f"{directory}: cannot write the snapshot ({e.strerror or e}); free space there or pass another "
        "--output; the previous snapshot, if any, is unchanged"
    )


def _swap(staging: Path, directory: Path) -> None:
    if not directory.exists():
        os.replace(staging, directory)
        return
    if not (directory / META).is_file() and any(directory.iterdir()):
        raise InputError(
            f"{directory}: exists and is not a preflight snapshot; choose another --output or remove it"
        )
    retired = create_staging(directory, "retired")
    os.replace(directory, retired / "snapshot")
    try:
        os.replace(staging, directory)
    except BaseException:
        os.replace(retired / "snapshot", directory)  # put the good one back
        raise
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def read(directory: Path) -> Snapshot:
    """Load a snapshot checked against its meta.json and the schema; anything else is an InputError
    naming the file and how to rebuild it (never fewer rows, which would read as less traffic)."""
    meta = integrity.read_meta(directory)
    return Snapshot({name: _table(directory, name, meta["rows"][name]) for name in TABLES}, meta)


def _table(directory: Path, name: str, rows: int) -> pd.DataFrame:
    import pyarrow

    path = directory / f"{name}.parquet"
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError, NotImplementedError, pyarrow.ArrowException) as e:
        raise InputError(f"{path}: unreadable ({e}); {integrity.REBUILD}") from e
    integrity.check_columns(path, name, frame)
    integrity.check_count(path, frame, rows)
    frame = conform(name, frame)
    integrity.check_values(str(path), name, frame)
    return frame

"""CSV or Parquet files that already are one of the snapshot's tables.

The table is told by the header: every column must belong to one table of
schema.TABLES (or `slo_budgets`: slo, budget_remaining) and that table's
required columns must be there; missing optional columns are unknown (None).
A header that fits no table is refused (InputError) before any row is read,
because guessing would put numbers in the wrong place. Each cell is checked
against the column's type; a bad cell rejects its row, counted by column.
"""

from __future__ import annotations

import codecs
import csv
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from preflight.errors import InputError
from preflight.runtime.records import RecordSink, SourceReport
from preflight.runtime.schema import TABLES

SLO_BUDGETS = {
    "slo": ("string", "name of the SLO"),
    "budget_remaining": ("Float64", "share of the error budget left (0-1; negative when overspent)"),
}
COLUMNS: dict[str, dict[str, tuple[str, str]]] = {**TABLES, "slo_budgets": SLO_BUDGETS}
# What identifies a row of each table; a functions table also needs qualname or file_path.
REQUIRED = {
    "functions": ("service",),
    "edges": ("caller_service", "callee_service"),
    "endpoints": ("service", "route"),
    "function_endpoints": ("service", "qualname", "route"),
    "slos": ("name", "service", "objective"),
    "slo_budgets": ("slo", "budget_remaining"),
}
FUNCTION_KEYS = ("qualname", "file_path")
# Columns holding shares; every other number must not be negative, except a budget, which can be overspent.
SHARES = frozenset({"error_rate", "objective"})
SIGNED = frozenset({"budget_remaining"})
# How CSV writers spell an unknown value besides an empty cell (pandas writes NaN as "" or "nan").
MISSING_TEXT = frozenset({"nan", "na", "n/a", "null", "none"})
_BATCH_ROWS = 10_000
_INT64 = 2**63
_PARQUET_MAGIC = b"PAR1"


class TableAdapter:
    """Reads a CSV or Parquet file whose columns are those of one snapshot table."""

    name = "table"

    def sniff(self, path: Path, head: bytes) -> bool:
        """Parquet by its magic bytes; CSV when its header fits one table."""
        if head.startswith(_PARQUET_MAGIC):
            return True
        first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip()
        if "," not in first:
            return False  # every table has at least two columns
        try:
            header = next(csv.reader([first]), [])
        except csv.Error:
            return False  # not CSV this adapter can read (a lone \r inside the line)
        return table_of(header) is not None

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """Validate every row and send the good ones to the table the header names."""
        report = SourceReport(str(path), self.name)
        with path.open("rb") as handle:
            parquet = handle.read(len(_PARQUET_MAGIC)) == _PARQUET_MAGIC
        rows = _parquet_rows(path) if parquet else _csv_rows(path)
        header = next(rows, None)
        if header is None:
            return report  # an empty file has no rows to count
        table = _table_or_refuse(path, header)
        columns = COLUMNS[table]
        for cells in rows:
            report.rows_read += 1
            if len(cells) != len(header):
                report.reject("wrong number of cells")
                continue
            row, reason = _validate(table, dict(zip(header, cells, strict=True)))
            if reason is not None:
                report.reject(reason)
                continue
            full = {column: row.get(column) for column in columns}
            if "source" in columns and full["source"] is None:
                full["source"] = self.name
            sink.row(table, full)
        return report


def table_of(header: Sequence[str]) -> str | None:
    """The one table whose columns hold the header and whose required columns it has, or None."""
    names = set(header)
    if len(names) != len(header):
        return None
    fits = [
        table
        for table, columns in COLUMNS.items()
        if names <= set(columns)
        and set(REQUIRED[table]) <= names
        and (table != "functions" or names & set(FUNCTION_KEYS))
    ]
    return fits[0] if len(fits) == 1 else None


def _table_or_refuse(path: Path, header: Sequence[str]) -> str:
    """The header's table, or an InputError saying which columns to add, rename or drop."""
    table = table_of(header)
    if table is not None:
        return table
    duplicates = sorted({c for c in header if header.count(c) > 1})
    if duplicates:
        raise InputError(f"{path}: columns {', '.join(duplicates)} appear more than once; keep one of each")
    names = set(header)
    closest = max(COLUMNS, key=lambda t: len(names & set(COLUMNS[t])))
    extra = sorted(names - set(COLUMNS[closest]))
    missing = [c for c in REQUIRED[closest] if c not in names]
    if closest == "functions" and not names & set(FUNCTION_KEYS):
        missing.append("qualname or file_path")
    problems = []
    if extra:
        problems.append(f"unknown columns {', '.join(extra)}")
    if missing:
        problems.append(f"missing required columns {', '.join(missing)}")
    raise InputError(
        f"{path}: not a {closest} table: {'; '.join(problems)}. "
        f"Its columns are {', '.join(COLUMNS[closest])}; rename or drop the others"
    )


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    """The header, then each row's cells, empty cells as None; a file that is not UTF-8 CSV is
    refused (InputError) at the line where it stops being one."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            for number, cells in enumerate(reader):
                if number and not any(cells):
                    continue  # blank line
                yield (
                    [cell.strip() for cell in cells]
                    if number == 0
                    else [cell.strip() or None for cell in cells]
                )
        except UnicodeDecodeError as error:
            raise InputError(
                f"{path}:{_line_of_byte(path)}: not UTF-8 text "
                f"(byte 0x{error.object[error.start]:02x}); save it as UTF-8 and collect again"
            ) from error
        except csv.Error as error:
            raise InputError(
                f"{path}:{max(reader.line_num, 1)}: not valid CSV ({error}); check the quoting of that line"
            ) from error


def _line_of_byte(path: Path) -> int:
    """The 1-based line of the first byte that is not UTF-8. The text layer's offset is within
    a buffered chunk, so decode the file again in chunks, counting newlines."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 1
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return lines + chunk.count(b"\n", 0, max(error.start, 0))
            lines += chunk.count(b"\n")
    return lines


def _parquet_rows(path: Path) -> Iterator[list[Any]]:
    """The header, then each row's values, streamed in batches."""
    import pyarrow
    import pyarrow.parquet

    try:
        parquet = pyarrow.parquet.ParquetFile(path)
    except (pyarrow.ArrowException, OSError) as error:
        raise InputError(
            f"{path}: not a readable Parquet file ({error}); rewrite it or export CSV"
        ) from error
    header = list(parquet.schema_arrow.names)
    yield header
    for batch in parquet.iter_batches(batch_size=_BATCH_ROWS):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        yield from (list(values) for values in zip(*columns, strict=True))


def _validate(table: str, raw: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Typed values of one row, or the reason (naming the column) it is rejected."""
    row: dict[str, Any] = {}
    for column, value in raw.items():
        try:
            row[column] = _cell(column, COLUMNS[table][column][0], value)
        except ValueError as error:
            return row, f"{column}: {error}"
    for column in REQUIRED[table]:
        if row.get(column) is None:
            return row, f"{column}: missing"
    if table == "functions" and all(row.get(c) is None for c in FUNCTION_KEYS):
        return row, "qualname or file_path: missing"
    return row, None


def _cell(column: str, dtype: str, value: Any) -> Any:
    """One cell as its column's type (None when empty); ValueError says what is wrong."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and value.lower() in MISSING_TEXT:
        return None
    if dtype == "string":
        if not isinstance(value, str):
            raise ValueError("not text")
        return value
    number = _number(value, whole=dtype == "Int64")
    if column in SHARES and not 0 <= number <= 1:
        raise ValueError("not between 0 and 1")
    if column not in SIGNED and number < 0:
        raise ValueError("negative")
    return number


def _number(value: Any, whole: bool) -> int | float:
    """An int (whole) or finite float from a CSV string or a Parquet value."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, str):
        try:
            value = float(value) if not whole or not value.lstrip("+-").isdigit() else int(value)
        except ValueError:
            raise ValueError("not a number") from None
    if not isinstance(value, (int, float)):
        raise ValueError("not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a number" if math.isnan(value) else "not finite")
    if whole:
        if value != int(value):
            raise ValueError("not a whole number")
        if not -_INT64 <= value < _INT64:
            raise ValueError("too large")  # Int64 columns; pandas would overflow
        return int(value)
    return float(value)


ADAPTER = TableAdapter()

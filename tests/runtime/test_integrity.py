"""runtime/integrity: a snapshot's meta.json, files, columns and values checked before anything reads them."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from preflight.errors import InputError
from preflight.runtime.integrity import (
    check_columns,
    check_count,
    check_meta,
    check_values,
    table_file,
    timestamp,
)
from preflight.runtime.schema import TABLES
from preflight.runtime.snapshot import conform

ROWS = dict.fromkeys(TABLES, 0)
META = Path("snap/meta.json")


def functions(**columns: list[Any]) -> pd.DataFrame:
    return conform("functions", pd.DataFrame(columns))


def test_timestamps_need_a_timezone() -> None:
    assert timestamp(None, "meta.json", "window_end") is None
    parsed = timestamp("2026-11-22T09:29:42Z", "meta.json", "window_end")
    assert parsed == datetime.datetime(2026, 11, 22, 9, 29, 42, tzinfo=datetime.timezone.utc)
    for bad in ("2026-11-22T09:29:42", "yesterday", 1_700_000_000):
        with pytest.raises(
            InputError, match=r"meta\.json: window_end .* is not an ISO 8601 time with a timezone"
        ):
            timestamp(bad, "meta.json", "window_end")


def test_a_good_meta_is_returned_as_is() -> None:
    meta = {
        "rows": ROWS,
        "window_start": "2026-01-01T00:00:00+00:00",
        "window_end": "2026-01-01T01:00:00+00:00",
        "resolution": {"rate": 0.5},
    }
    assert check_meta(META, meta) is meta


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ([], "not a JSON object"),
        ({}, "no row counts"),
        ({"rows": [1]}, "rows must map each table"),
        ({"rows": ROWS | {"edges": -1}}, "rows.edges -1 is not a row count"),
        ({"rows": ROWS | {"slos": True}}, "rows.slos True is not a row count"),
        (
            {"rows": ROWS, "window_start": "2026-01-02T00:00:00Z", "window_end": "2026-01-01T00:00:00Z"},
            "is after window_end",
        ),
        ({"rows": ROWS, "resolution": 0.9}, "resolution must be a mapping"),
        ({"rows": ROWS, "resolution": {"rate": 1.5}}, "resolution.rate 1.5 is not a share"),
    ],
)
def test_bad_metas_name_the_field(meta: object, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        check_meta(META, meta)
    assert str(caught.value).startswith(str(META)) and "preflight collect" in str(caught.value)


def test_table_file_must_be_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=re.escape("missing (meta.json records 3 rows)")):
        table_file(tmp_path, "functions", 3)
    (tmp_path / "edges.parquet").mkdir()
    with pytest.raises(InputError, match="not a file"):
        table_file(tmp_path, "edges", 1)
    (tmp_path / "slos.parquet").write_bytes(b"")
    assert table_file(tmp_path, "slos", 0) == tmp_path / "slos.parquet"


def test_columns_of_another_table_are_named() -> None:
    edges = conform("edges", pd.DataFrame({"caller_service": ["a"]}))
    with pytest.raises(InputError, match="holds the columns of the edges table, not of functions"):
        check_columns(Path("functions.parquet"), "functions", edges)


def test_missing_and_unknown_columns_are_listed() -> None:
    frame = functions(calls=[1]).drop(columns=["line"]).assign(extra=[1])
    with pytest.raises(
        InputError, match="not a functions table: missing columns line; unknown columns extra"
    ):
        check_columns(Path("functions.parquet"), "functions", frame)


def test_column_kinds_are_checked() -> None:
    check_columns(Path("f.parquet"), "functions", functions(calls=[1], service=["cart"]))
    wrong_text = functions(calls=[1]).assign(service=[3])
    with pytest.raises(InputError, match="column service holds values that are not text"):
        check_columns(Path("f.parquet"), "functions", wrong_text)
    fractions = functions(service=["cart"]).assign(calls=[1.5])
    with pytest.raises(InputError, match="column calls holds values that are not whole numbers"):
        check_columns(Path("f.parquet"), "functions", fractions)
    words = functions(service=["cart"]).assign(calls_per_min=["fast"])
    with pytest.raises(InputError, match="column calls_per_min holds values that are not numbers"):
        check_columns(Path("f.parquet"), "functions", words)


def test_row_counts_must_match() -> None:
    check_count(Path("f.parquet"), functions(calls=[1, 2]), 2)
    with pytest.raises(
        InputError, match=re.escape("1 rows, meta.json records 2: the file was replaced or cut short")
    ):
        check_count(Path("f.parquet"), functions(calls=[1]), 2)


def test_values_in_their_ranges() -> None:
    check_values(
        "f", "functions", functions(calls=[1, None], error_rate=[0.0, 1.0], calls_per_min=[0.5, None])
    )
    with pytest.raises(
        InputError, match=r"column error_rate has 1 value\(s\) outside 0\.\.1 .* the first 7\.0 in row 2"
    ):
        check_values("f", "functions", functions(error_rate=[0.1, 7.0]))
    with pytest.raises(
        InputError, match=re.escape("column calls_per_min has 2 value(s) negative or not finite")
    ):
        check_values("f", "functions", functions(calls_per_min=[-1.0, float("inf")]))
    with pytest.raises(InputError, match=r"; fix the table$"):
        check_values("f", "functions", functions(calls=[-3]), fix="fix the table")

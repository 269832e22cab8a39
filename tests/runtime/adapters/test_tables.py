"""table adapter: CSV and Parquet files shaped like the snapshot's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from preflight.errors import InputError
from preflight.runtime.adapters.tables import ADAPTER, COLUMNS, table_of
from preflight.runtime.schema import FUNCTIONS


class RowSink:
    """Collects rows by table."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def span(self, span: object) -> None:
        raise AssertionError("tables have no spans")

    def row(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)


def read(path: Path) -> tuple[dict[str, list[dict[str, Any]]], Any]:
    sink = RowSink()
    report = ADAPTER.read(path, sink)
    return sink.rows, report


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


FUNCTION_ROWS: list[dict[str, Any]] = [
    {
        "service": "checkout",
        "qualname": "shop.cart.Cart.total",
        "file_path": "/srv/shop/cart.py",
        "line": 12,
        "calls": 1200,
        "calls_per_min": 20.0,
        "p50_ms": 1.5,
        "p95_ms": 4.0,
        "p99_ms": 9.25,
        "error_rate": 0.01,
        "window_start": "2026-11-01T00:00:00+00:00",
        "window_end": "2026-11-01T01:00:00+00:00",
        "source": "otlp",
    },
    {
        "service": "checkout",
        "qualname": None,
        "file_path": "/srv/shop/tax.py",
        "line": None,
        "calls": None,
        "calls_per_min": None,
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "error_rate": None,
        "window_start": None,
        "window_end": None,
        "source": "table",  # filled in when the file leaves it empty
    },
]


def frame_of(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return frame.astype({column: FUNCTIONS[column][0] for column in frame.columns})


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    frame = frame_of(FUNCTION_ROWS)
    frame.loc[1, "source"] = pd.NA
    path = tmp_path / f"functions{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    assert ADAPTER.sniff(path, path.read_bytes()[:65536])
    rows, report = read(path)
    assert rows == {"functions": [dict.fromkeys(FUNCTIONS) | row for row in FUNCTION_ROWS]}
    assert (report.format, report.rows_read, dict(report.rejected)) == ("table", 2, {})


def test_missing_optional_columns_are_unknown(tmp_path: Path) -> None:
    rows, _ = read(write(tmp_path / "f.csv", "\ufeffservice,qualname,calls\napi,app.views.home,42\n"))
    (row,) = rows["functions"]
    assert list(row) == list(FUNCTIONS)
    assert (row["qualname"], row["calls"], row["p99_ms"], row["source"]) == (
        "app.views.home",
        42,
        None,
        "table",
    )


@pytest.mark.parametrize(
    ("header", "table"),
    [
        ("caller_service,callee_service,calls", "edges"),
        ("service,route,requests,p99_ms", "endpoints"),
        ("service,qualname,route,calls", "function_endpoints"),
        ("name,service,objective,window", "slos"),
        ("slo,budget_remaining", "slo_budgets"),
        ("service,file_path,line", "functions"),
        ("service,calls", None),  # functions need qualname or file_path
        ("service,qualname,qualname", None),
    ],
)
def test_table_of(header: str, table: str | None) -> None:
    assert table_of(header.split(",")) == table


def test_budgets(tmp_path: Path) -> None:
    rows, report = read(
        write(tmp_path / "b.csv", "slo,budget_remaining\ncheckout-availability,0.4\nsearch,-0.2\nx,\n")
    )
    assert rows == {
        "slo_budgets": [
            {"slo": "checkout-availability", "budget_remaining": 0.4},
            {"slo": "search", "budget_remaining": -0.2},  # overspent
        ]
    }
    assert dict(report.rejected) == {"budget_remaining: missing": 1}


def test_bad_cells_reject_their_row(tmp_path: Path) -> None:
    text = (
        "service,qualname,file_path,line,calls,error_rate,p99_ms\n"
        "api,app.f,,3,10,0.5,2\n"
        "api,app.f,,3,abc,,\n"
        "api,app.f,,3,1.5,,\n"
        "api,app.f,,3,-1,,\n"
        "api,app.f,,3,1,1.5,\n"
        "api,app.f,,3,1,,inf\n"
        ",app.f,,3,1,,\n"
        "api,,,3,1,,\n"
        "api,app.f,,3\n"
        "api,app.f,,3.0,NaN,nan,\n"
    )
    rows, report = read(write(tmp_path / "f.csv", text))
    assert [(r["calls"], r["line"]) for r in rows["functions"]] == [(10, 3), (None, 3)]
    assert report.rows_read == 10
    assert dict(report.rejected) == {
        "calls: not a number": 1,
        "calls: not a whole number": 1,
        "calls: negative": 1,
        "error_rate: not between 0 and 1": 1,
        "p99_ms: not finite": 1,
        "service: missing": 1,
        "qualname or file_path: missing": 1,
        "wrong number of cells": 1,
    }


def test_parquet_types_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    pd.DataFrame(
        {"caller_service": ["web", "web"], "callee_service": ["api", "api"], "calls": [3.0, 2.5]}
    ).to_parquet(path, index=False)
    rows, report = read(path)
    assert [row["calls"] for row in rows["edges"]] == [3]
    assert dict(report.rejected) == {"calls: not a whole number": 1}
    numbered = tmp_path / "n.parquet"
    pd.DataFrame({"caller_service": [7], "callee_service": ["api"]}).to_parquet(numbered, index=False)
    rows, report = read(numbered)
    assert (rows, dict(report.rejected)) == ({}, {"caller_service: not text": 1})


def test_unknown_columns_are_refused_by_name(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "service,qualname,calls,owner,team\napi,app.f,1,me,us\n")
    with pytest.raises(
        InputError,
        match=r"f\.csv: not a functions table: unknown columns owner, team\. Its columns are service, qualname",
    ):
        read(path)
    assert not ADAPTER.sniff(path, path.read_bytes())


def test_missing_required_and_duplicate_columns_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a endpoints table: missing required columns service"):
        read(write(tmp_path / "e.csv", "route,requests\nGET /,3\n"))
    with pytest.raises(InputError, match="missing required columns qualname or file_path"):
        read(write(tmp_path / "f.csv", "service,calls,p99_ms\napi,3,1\n"))
    with pytest.raises(InputError, match="columns calls appear more than once"):
        read(write(tmp_path / "d.csv", "service,qualname,calls,calls\napi,f,1,2\n"))


def test_corrupt_parquet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read(path)


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    rows, report = read(write(tmp_path / "empty.csv", ""))
    assert (rows, report.rows_read, dict(report.rejected)) == ({}, 0, {})
    rows, report = read(write(tmp_path / "header.csv", "slo,budget_remaining\n"))
    assert (rows, report.rows_read) == ({}, 0)


def test_sniff(tmp_path: Path) -> None:
    assert ADAPTER.sniff(tmp_path / "a.csv", b"caller_service,callee_service\r\nweb,api\r\n")
    assert ADAPTER.sniff(tmp_path / "a.parquet", b"PAR1\x15\x04")
    for head in (b"", b"service\napi\n", b"a;b;c 3\n", b"\xfb)\x03", b"name,age\nx,3\n"):
        assert not ADAPTER.sniff(tmp_path / "x", head), head


def test_every_table_has_required_columns() -> None:
    assert set(COLUMNS) == {"functions", "edges", "endpoints", "function_endpoints", "slos", "slo_budgets"}


def test_parquet_values_of_the_wrong_kind(tmp_path: Path) -> None:
    path = tmp_path / "b.parquet"
    pd.DataFrame({"slo": ["a", "b"], "budget_remaining": [True, False]}).to_parquet(path, index=False)
    assert dict(read(path)[1].rejected) == {"budget_remaining: not a number": 2}
    path = tmp_path / "t.parquet"
    pd.DataFrame({"slo": ["a"], "budget_remaining": ["0.5"]}).to_parquet(path, index=False)
    assert read(path)[0] == {
        "slo_budgets": [{"slo": "a", "budget_remaining": 0.5}]
    }  # text is parsed as in CSV
    path = tmp_path / "d.parquet"
    pd.DataFrame({"slo": ["a"], "budget_remaining": [pd.Timestamp("2026-01-01")]}).to_parquet(
        path, index=False
    )
    assert dict(read(path)[1].rejected) == {"budget_remaining: not a number": 1}


def test_blank_csv_lines_are_skipped(tmp_path: Path) -> None:
    rows, report = read(write(tmp_path / "b.csv", "slo,budget_remaining\n\na,0.5\n\n"))
    assert (len(rows["slo_budgets"]), report.rows_read) == (1, 1)

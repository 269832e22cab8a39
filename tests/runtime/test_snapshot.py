"""Snapshot files: schema, round trip, atomic replacement, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from preflight.errors import InputError
from preflight.runtime import snapshot
from preflight.runtime.schema import SCHEMA_VERSION, TABLES


def sample() -> snapshot.Snapshot:
    functions = pd.DataFrame(
        [{"service": "cart", "qualname": "shop.cart.add", "calls": 10, "calls_per_min": 2.5, "p50_ms": 1.0}]
    )
    return snapshot.Snapshot({"functions": functions}, {"generated_at": "2026-11-22T00:00:00+00:00"})


def test_round_trip_keeps_schema_and_unknowns(tmp_path: Path) -> None:
    out = tmp_path / "snap"
    snapshot.write(sample(), out)
    loaded = snapshot.read(out)
    assert sorted(p.name for p in out.iterdir()) == sorted([*(f"{n}.parquet" for n in TABLES), "meta.json"])
    assert loaded.meta["schema_version"] == SCHEMA_VERSION
    functions = loaded.table("functions")
    assert list(functions.columns) == list(TABLES["functions"])
    row = functions.iloc[0]
    assert (row["service"], row["calls"], row["calls_per_min"]) == ("cart", 10, 2.5)
    assert pd.isna(row["p99_ms"]) and pd.isna(row["error_rate"])  # unknown, not zero
    assert loaded.table("edges").empty and list(loaded.table("edges").columns) == list(TABLES["edges"])


def test_failed_write_keeps_the_good_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "snap"
    snapshot.write(sample(), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = snapshot.Snapshot({"functions": pd.DataFrame([{"calls": "not a number"}])}, {})
    with pytest.raises((TypeError, ValueError)):
        snapshot.write(broken, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]  # no staging directories left behind


def test_replace_refuses_a_foreign_directory(tmp_path: Path) -> None:
    out = tmp_path / "important"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="is not a preflight snapshot"):
        snapshot.write(sample(), out)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_read_errors_say_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="preflight collect"):
        snapshot.read(tmp_path)
    (tmp_path / "meta.json").write_text(json.dumps({"schema_version": 99}), encoding="utf-8")
    with pytest.raises(InputError, match="schema_version 99"):
        snapshot.read(tmp_path)
    (tmp_path / "meta.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="unreadable"):
        snapshot.read(tmp_path)


def test_write_records_each_tables_row_count(tmp_path: Path) -> None:
    """read checks the files against these counts, so the writer records them, whatever meta it is given."""
    out = tmp_path / "snap"
    snapshot.write(snapshot.Snapshot(sample().tables, {"rows": {"functions": 99}}), out)
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["rows"] == {"functions": 1, "edges": 0, "endpoints": 0, "function_endpoints": 0, "slos": 0}


def test_write_refuses_a_value_read_would_refuse(tmp_path: Path) -> None:
    out = tmp_path / "snap"
    rates = pd.DataFrame([{"service": "cart", "qualname": "a", "calls": 1, "error_rate": 1.5}])
    with pytest.raises(InputError, match=r"collected functions table: column error_rate .* outside 0\.\.1"):
        snapshot.write(snapshot.Snapshot({"functions": rates}, {}), out)
    assert not out.exists()


def test_nan_is_unknown_but_a_string_column_of_numbers_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "snap"
    snapshot.write(sample(), out)
    frame = pd.read_parquet(out / "functions.parquet")
    frame["p99_ms"] = float("nan")  # how pandas and many writers spell unknown
    frame.to_parquet(out / "functions.parquet", index=False)
    assert pd.isna(snapshot.read(out).table("functions").iloc[0]["p99_ms"])
    frame["service"] = [7]
    frame.to_parquet(out / "functions.parquet", index=False)
    with pytest.raises(InputError, match="column service holds values that are not text"):
        snapshot.read(out)
    frame["service"], frame["calls"] = "cart", 2.5
    frame.to_parquet(out / "functions.parquet", index=False)
    with pytest.raises(InputError, match="column calls holds values that are not whole numbers"):
        snapshot.read(out)


def test_a_snapshot_without_row_counts_is_refused_with_the_fix(tmp_path: Path) -> None:
    out = tmp_path / "snap"
    snapshot.write(sample(), out)
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    del meta["rows"]
    (out / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(InputError, match=r"no row counts \(rows\).*preflight collect"):
        snapshot.read(out)


def test_a_snapshot_written_before_the_route_columns_reads_them_as_unknown(tmp_path: Path) -> None:
    edges = pd.DataFrame(
        {"caller_service": ["front"], "callee_service": ["back"], "calls": [3], "calls_per_min": [1.5]}
    )
    snapshot.write(snapshot.Snapshot({"edges": edges}), tmp_path / "snap")
    path = tmp_path / "snap" / "edges.parquet"
    older = pd.read_parquet(path).drop(columns=["caller_route", "callee_route", "network_p50_ms"])
    older.to_parquet(path, index=False)  # as collect wrote it before those columns

    edges = snapshot.read(tmp_path / "snap").table("edges")
    assert list(edges.columns) == list(TABLES["edges"])
    assert edges["caller_route"].isna().all() and edges["network_p50_ms"].isna().all()
    assert edges["calls"].tolist() == [3]


def test_hosts_in_meta_must_map_services_to_host_names(tmp_path: Path) -> None:
    snapshot.write(snapshot.Snapshot({}, {"hosts": {"cart": ["node-a", "node-b"]}}), tmp_path / "snap")
    assert snapshot.read(tmp_path / "snap").meta["hosts"] == {"cart": ["node-a", "node-b"]}
    meta_path = tmp_path / "snap" / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["hosts"] = {"cart": "node-a"}
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(InputError, match="hosts must map each service to a list of host names"):
        snapshot.read(tmp_path / "snap")

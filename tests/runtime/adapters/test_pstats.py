"""pstats adapter: real cProfile output of a small program written to tmp_path."""

from __future__ import annotations

import cProfile
import importlib.util
import marshal
import pickle
from pathlib import Path
from typing import Any

import pytest

from preflight.runtime.adapters.pstats import ADAPTER, PstatsAdapter
from preflight.runtime.schema import FUNCTIONS

WORKLOAD = """\
import functools


def traced(func):
    @functools.wraps(func)
    def wrapper(*args):
        return func(*args)

    return wrapper


@traced
def checksum(data):
    return sum(data)


class Orders:
    def price(self, count):
        return sum(checksum(range(n)) for n in range(count))
"""


class RowSink:
    """Collects rows by table."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def span(self, span: object) -> None:
        raise AssertionError("profiles have no spans")

    def row(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)


def line_of(source: str, text: str) -> int:
    """1-based line of the first line of source containing text."""
    return next(n for n, line in enumerate(source.splitlines(), start=1) if text in line)


@pytest.fixture
def profile(tmp_path: Path) -> tuple[Path, Path]:
    """(profile file, workload module file) from profiling Orders().price(5)."""
    module_path = tmp_path / "workload.py"
    module_path.write_text(WORKLOAD, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("pstats_workload", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    profiler = cProfile.Profile()
    profiler.enable()
    module.Orders().price(5)
    profiler.disable()
    out = tmp_path / "out.prof"
    profiler.dump_stats(out)
    return out, module_path


def by_line(rows: list[dict[str, Any]], file_path: Path) -> dict[int, dict[str, Any]]:
    return {row["line"]: row for row in rows if row["file_path"] == str(file_path)}


def test_real_profile_rows(profile: tuple[Path, Path]) -> None:
    out, module_path = profile
    sink = RowSink()
    report = ADAPTER.read(out, sink)
    rows = by_line(sink.rows["functions"], module_path)
    # A decorated function is reported at its first decorator line, not at its `def`.
    checksum = rows[line_of(WORKLOAD, "@traced")]
    assert checksum == dict.fromkeys(FUNCTIONS) | {
        "service": "unknown",
        "qualname": None,  # cProfile reports the bare co_name
        "file_path": str(module_path),
        "line": line_of(WORKLOAD, "@traced"),
        "calls": 5,
        "calls_per_min": None,
        "source": "pstats",
    }
    assert line_of(WORKLOAD, "def checksum") not in rows
    assert rows[line_of(WORKLOAD, "@functools.wraps")]["calls"] == 5  # the wrapper, also decorated
    assert rows[line_of(WORKLOAD, "def price")]["calls"] == 1
    assert report.format == "pstats"
    assert report.rejected["builtin"] >= 2  # sum, and the profiler's own disable()
    assert report.rejected["not a function"] == 1  # the generator expression
    assert report.rows_read == len(marshal.loads(out.read_bytes()))
    assert len(sink.rows["functions"]) == report.rows_read - sum(report.rejected.values())


def test_service_and_window_from_the_caller(profile: tuple[Path, Path]) -> None:
    out, module_path = profile
    sink = RowSink()
    PstatsAdapter(service="shop", window_seconds=120).read(out, sink)
    checksum = by_line(sink.rows["functions"], module_path)[line_of(WORKLOAD, "@traced")]
    assert checksum["service"] == "shop"
    assert checksum["calls_per_min"] == 2.5


def write_stats(path: Path, stats: dict[Any, Any]) -> Path:
    path.write_bytes(marshal.dumps(stats))
    return path


def test_dotted_names_are_qualnames_and_odd_entries_are_counted(tmp_path: Path) -> None:
    stats: dict[Any, Any] = {
        ("/app/shop/cart.py", 3, "Cart.total"): (2, 3, 0.1, 0.2, {}),
        ("/app/shop/cart.py", 9, "helper"): (1, 1, 0.0, 0.0, {}),
        ("<frozen importlib._bootstrap>", 1, "_find"): (1, 1, 0.0, 0.0, {}),
        ("<string>", 1, "generated"): (1, 1, 0.0, 0.0, {}),
        ("~", 0, "<built-in method builtins.len>"): (4, 4, 0.0, 0.0, {}),
        ("/app/shop/cart.py", 1, "<module>"): (1, 1, 0.0, 0.0, {}),
        ("/app/a.py", "x", "f"): (1, 1, 0.0, 0.0, {}),
        ("/app/a.py", 1, "g"): (1, -1, 0.0, 0.0, {}),
        ("/app/a.py", 2, "h"): "not a tuple",
        "not a key": (1, 1, 0.0, 0.0, {}),
    }
    sink = RowSink()
    report = ADAPTER.read(write_stats(tmp_path / "p.prof", stats), sink)
    assert [(r["qualname"], r["line"], r["calls"]) for r in sink.rows["functions"]] == [
        ("Cart.total", 3, 3),
        (None, 9, 1),
    ]
    assert report.rows_read == len(stats)
    assert dict(report.rejected) == {"no source file": 2, "builtin": 1, "not a function": 1, "bad entry": 4}


def test_sniff(profile: tuple[Path, Path], tmp_path: Path) -> None:
    out, _ = profile
    assert ADAPTER.sniff(out, out.read_bytes()[: 64 * 1024])
    empty_stats = write_stats(tmp_path / "empty.prof", {})
    assert ADAPTER.sniff(empty_stats, empty_stats.read_bytes())
    truncated = tmp_path / "truncated.prof"
    truncated.write_bytes(out.read_bytes()[:100])
    pickled = tmp_path / "p.pkl"
    pickled.write_bytes(pickle.dumps({("a", 1, "f"): (1, 1, 0.0, 0.0, {})}))
    listed = write_stats(tmp_path / "list.prof", [("a", 1, "f")])  # type: ignore[arg-type]
    json_text = tmp_path / "x.json"
    json_text.write_text('{"a": 1}')
    nothing = tmp_path / "nothing"
    nothing.write_bytes(b"")
    for path in (truncated, pickled, listed, json_text, nothing):
        assert not ADAPTER.sniff(path, path.read_bytes()), path


def test_not_a_profile_is_counted_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "x.prof"
    path.write_bytes(b"\x00garbage")
    sink = RowSink()
    report = ADAPTER.read(path, sink)
    assert sink.rows == {}
    assert dict(report.rejected) == {"not a pstats file": 1}


def test_empty_profile(tmp_path: Path) -> None:
    sink = RowSink()
    report = ADAPTER.read(write_stats(tmp_path / "empty.prof", {}), sink)
    assert (report.rows_read, sink.rows, dict(report.rejected)) == (0, {}, {})

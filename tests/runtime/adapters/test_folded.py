"""folded adapter: real py-spy output (tests/runtime/fixtures/pyspy_*.txt) and hand-written stacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from preflight.runtime.adapters.folded import ADAPTER, FoldedAdapter, parse_frame
from preflight.runtime.schema import FUNCTIONS

FIXTURES = Path(__file__).parents[1] / "fixtures"
WORKLOAD = (FIXTURES / "pyspy_workload.py").read_text(encoding="utf-8")


class RowSink:
    """Collects rows by table."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def span(self, span: object) -> None:
        raise AssertionError("profiles have no spans")

    def row(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)


def line_of(text: str) -> int:
    return next(n for n, line in enumerate(WORKLOAD.splitlines(), start=1) if text in line)


def samples_with(path: Path, frame: str) -> int:
    """Samples of the lines whose stack holds a frame, straight from the file."""
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if frame in stack:
            total += int(count)
    return total


def rows_by_name(adapter: FoldedAdapter, path: Path) -> tuple[dict[str, dict[str, Any]], Any]:
    sink = RowSink()
    report = adapter.read(path, sink)
    return {
        row["qualname"] or row["file_path"] + ":" + str(row["line"]): row for row in sink.rows["functions"]
    }, report


def test_py_spy_raw_output() -> None:
    path = FIXTURES / "pyspy_raw.txt"
    rows, report = rows_by_name(ADAPTER, path)
    checksum = rows[f"pyspy_workload.py:{line_of('total = 0')}"]
    assert checksum == dict.fromkeys(FUNCTIONS) | {
        "service": "unknown",
        "qualname": None,  # a bare name: file and line identify it
        "file_path": "pyspy_workload.py",
        # without --function py-spy reports sampled lines; the smallest lies inside the function
        "line": line_of("total = 0"),
        "calls": samples_with(path, "checksum ("),
        "calls_per_min": None,
        "source": "folded",
    }
    assert rows["Orders.price"]["calls"] == samples_with(path, "Orders.price (")
    assert rows["traced.wrapper"]["calls"] == samples_with(path, "traced.<locals>.wrapper (")
    assert not any("<module>" in name or "<genexpr>" in name for name in rows)
    # py-spy's ` 1` line (a sample without Python frames) is no error
    assert report.rows_read == len(path.read_text().splitlines())
    assert dict(report.rejected) == {}


def test_py_spy_function_lines_and_threads() -> None:
    path = FIXTURES / "pyspy_function_threads.txt"
    rows, report = rows_by_name(ADAPTER, path)
    # --function reports first lines: a decorated function's first decorator, a method's def
    assert rows[f"pyspy_workload.py:{line_of('@traced')}"]["calls"] == samples_with(path, "checksum (")
    assert rows["Orders.price"]["line"] == line_of("def price")
    assert not any(name.startswith("thread") for name in rows)
    assert dict(report.rejected) == {}


def test_bare_frames_recursion_and_window(tmp_path: Path) -> None:
    path = tmp_path / "stacks.folded"
    path.write_text("app.main;app.cart.total;app.cart.total 7\napp.main 3\n\napp.main;app.cart.total 2\n")
    rows, report = rows_by_name(FoldedAdapter(service="shop", window_seconds=30), path)
    assert {
        name: (row["calls"], row["calls_per_min"], row["file_path"], row["line"])
        for name, row in rows.items()
    } == {
        "app.main": (12, 24.0, None, None),
        "app.cart.total": (9, 18.0, None, None),  # a recursive stack counts once
    }
    assert rows["app.main"]["service"] == "shop"
    assert report.rows_read == 3


def test_bad_lines_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(
        "app.f;app.g\n"
        "app.f (a.py:3);app.g (a.py:9)\n"
        "app.f 1.5\n"
        "app.f -2\n"
        "app.f;app.g 4\n"
        'thread (12);process 3:"python x.py";PyEval_EvalFrame (libpython3.11.so) 5\n'
    )
    rows, report = rows_by_name(ADAPTER, path)
    assert {name: row["calls"] for name, row in rows.items()} == {"app.f": 4, "app.g": 4}
    assert report.rows_read == 6
    assert dict(report.rejected) == {"missing count": 2, "bad count": 2}


def test_parse_frame() -> None:
    assert parse_frame("Cart.total (/srv/app/cart.py:12)") == ("Cart.total", "/srv/app/cart.py", 12)
    assert parse_frame("outer.<locals>.inner (m.py:3)") == ("outer.inner", "m.py", 3)
    assert parse_frame("pkg.mod.<lambda>") == ("pkg.mod.<lambda>", None, None)
    for synthetic in (
        "thread (0x7F3A)",
        'process 12:"python app.py"',
        "memcpy (libc.so.6)",
        "_PyEval_EvalFrameDefault (Python/ceval.c:4200)",
        "_find_and_load (<frozen importlib._bootstrap>:1176)",
        "",
    ):
        assert parse_frame(synthetic) is None


def test_sniff(tmp_path: Path) -> None:
    raw = FIXTURES / "pyspy_raw.txt"
    assert ADAPTER.sniff(raw, raw.read_bytes())
    # a head cut inside a line still sniffs
    assert ADAPTER.sniff(raw, raw.read_bytes()[:300])
    for name, data in {
        "t.csv": b"service,qualname,calls\napi,app.f,3\n",
        "p.prof": b"\xfb)\x03\xfa\x01~",
        "prose.txt": b"hello there, this is not a profile\n",
        "empty.txt": b"",
    }.items():
        assert not ADAPTER.sniff(tmp_path / name, data), name


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("")
    sink = RowSink()
    report = ADAPTER.read(path, sink)
    assert (report.rows_read, sink.rows, dict(report.rejected)) == (0, {}, {})

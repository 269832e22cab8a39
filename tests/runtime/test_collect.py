"""runtime/collect: telemetry files read into a snapshot, each file's format detected and counted."""

from __future__ import annotations

import cProfile
import datetime
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from preflight.errors import InputError
from preflight.runtime import snapshot
from preflight.runtime.adapters import registry
from preflight.runtime.collect import CollectOptions, Progress, collect, detect, expand
from preflight.runtime.records import SourceReport

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
WORKLOAD = """\
def leaf(n):
    return n * 2


def work(count):
    return sum(leaf(n) for n in range(count))
"""


def real_profile(tmp_path: Path) -> Path:
    """A cProfile dump of work(20) from a module in tmp_path."""
    module_path = tmp_path / "workload.py"
    module_path.write_text(WORKLOAD, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("collect_workload", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    profiler = cProfile.Profile()
    profiler.enable()
    module.work(20)
    profiler.disable()
    out = tmp_path / "telemetry" / "run.prof"
    out.parent.mkdir()
    profiler.dump_stats(out)
    return out


def test_expand_lists_files_under_directories_sorted(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    for name in ("d/b.json", "d/sub/a.json", "d/.hidden", "top.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert expand([tmp_path / "top.txt", tmp_path / "d"]) == [
        tmp_path / "top.txt",
        tmp_path / "d" / "b.json",
        tmp_path / "d" / "sub" / "a.json",
    ]
    with pytest.raises(InputError, match="no such file or directory"):
        expand([tmp_path / "absent"])


def test_detect_by_the_first_bytes(tmp_path: Path) -> None:
    prof = real_profile(tmp_path)
    detected = detect(prof, registry())
    assert detected is not None and detected.name == "pstats"
    unknown = tmp_path / "notes.bin"
    unknown.write_bytes(b"\x00\x01\x02 nothing here")
    assert detect(unknown, registry()) is None


def test_a_profile_becomes_a_snapshot_with_its_meta(tmp_path: Path) -> None:
    prof = real_profile(tmp_path)
    (prof.parent / "notes.bin").write_bytes(b"\x00\x01\x02 nothing here")
    seen: list[Progress] = []
    output = tmp_path / "snap"
    options = CollectOptions(service="shop", window_seconds=60.0)
    meta = collect([prof.parent], output, options, None, NOW, progress=seen.append)
    assert meta["generated_at"] == "2026-03-01T12:00:00+00:00"
    assert meta["services"] == ["shop"]
    formats = {
        Path(source["path"]).name: (source["format"], source["rejected"]) for source in meta["sources"]
    }
    assert formats["notes.bin"] == ("unknown", {"unrecognized format": 1})
    assert formats["run.prof"][0] == "pstats"
    assert set(formats["run.prof"][1]) <= {"builtin", "not a function"}  # sum(), the generator expression
    read = snapshot.read(output)
    assert meta["rows"] == {name: len(frame) for name, frame in read.tables.items()}
    functions = read.table("functions")
    leaf = functions[functions["line"] == 1]
    assert list(leaf["calls"]) == [20] and list(leaf["calls_per_min"]) == [20.0]
    assert {p.path.name for p in seen} == {"notes.bin", "run.prof"}
    assert all(p.files == 2 and not p.parallel for p in seen)
    assert any(p.bytes_done == p.bytes_total > 0 for p in seen)


def test_a_forced_format_must_exist_and_sources_must_hold_files(tmp_path: Path) -> None:
    prof = real_profile(tmp_path)
    with pytest.raises(InputError, match="--format 'pdf': unknown; choose one of otlp, "):
        collect([prof], tmp_path / "snap", CollectOptions(fmt="pdf"), None, NOW)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no telemetry files found"):
        collect([tmp_path / "empty"], tmp_path / "snap", CollectOptions(), None, NOW)
    assert not (tmp_path / "snap").exists()


def test_a_source_that_gives_nothing_is_refused_naming_file_and_format(tmp_path: Path) -> None:
    prof = real_profile(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        collect([prof, notes], tmp_path / "snap", CollectOptions(), None, NOW)
    message = str(refused.value)
    assert message.startswith(
        f"{notes}: no spans or rows ({notes}: format not recognized, 0 read, rejected: unrecognized format 1); "
        "no snapshot written; export a supported format: OTLP JSON"
    )
    assert "ConsoleSpanExporter" in message and str(prof) not in message
    spans_only = tmp_path / "console.txt"  # recognized as console output, but every span is bad
    spans_only.write_text(
        '{\n    "name": "x",\n    "context": {"trace_id": "0x1"},\n    "kind": "SpanKind.SERVER"\n}\n'
    )
    with pytest.raises(InputError, match=r"format console, 1 read, rejected: missing trace id 1\)"):
        collect([spans_only], tmp_path / "snap", CollectOptions(), None, NOW)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty: no spans or rows \(no files\)"):
        collect([prof, tmp_path / "empty"], tmp_path / "snap", CollectOptions(), None, NOW)
    assert not (tmp_path / "snap").exists()


def test_an_empty_snapshot_is_refused(tmp_path: Path) -> None:
    pulled: list[tuple[SourceReport, dict[str, pd.DataFrame]]] = [
        (SourceReport("clickhouse://db/otel", "clickhouse"), {})
    ]
    with pytest.raises(
        InputError,
        match=r"^the snapshot would be empty: clickhouse://db/otel: format clickhouse, 0 read; no snapshot",
    ):
        collect([], tmp_path / "snap", CollectOptions(), None, NOW, pulled=pulled)
    assert not (tmp_path / "snap").exists()

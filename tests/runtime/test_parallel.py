"""Reading a large OTLP JSON Lines file on several cores gives exactly the single-process tables."""

from __future__ import annotations

import itertools
from pathlib import Path

import orjson
import pandas as pd

from preflight.runtime import parallel
from preflight.runtime.adapters import otlp, tracejson
from preflight.runtime.spans import SpanAggregator
from tests.runtime.adapters.test_otlp import Collected, _collector_json, _run_shop


def test_parallel_read_equals_single_process(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    lines = [orjson.dumps(_collector_json(_run_shop(), hex_ids=True)) for _ in range(12)]
    path.write_bytes(b"\n".join(lines) + b"\nnot json\n")
    single = Collected()
    expected_report = otlp.ADAPTER.read(path, single)
    merged = SpanAggregator("otlp")
    report = parallel.read(path, merged)
    assert (report.rows_read, dict(report.rejected)) == (
        expected_report.rows_read,
        dict(expected_report.rejected),
    )
    assert (report.window_start_ns, report.window_end_ns) == (
        expected_report.window_start_ns,
        expected_report.window_end_ns,
    )
    want, got = single.aggregator.tables(), merged.tables()
    for name in want:
        key = list(want[name].columns[:4])
        pd.testing.assert_frame_equal(
            got[name].sort_values(key).reset_index(drop=True),
            want[name].sort_values(key).reset_index(drop=True),
        )


def test_line_ranges_cut_at_line_starts(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"".join(b'{"n": %d}\n' % i for i in range(100)))
    ranges = tracejson.line_ranges(path, 3)
    assert ranges[0][0] == 0 and ranges[-1][1] == path.stat().st_size
    data = path.read_bytes()
    assert all(data[start - 1 : start] == b"\n" for start, _ in ranges[1:])
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert tracejson.is_json_lines(path)
    pretty = tmp_path / "one.json"
    pretty.write_bytes(b'{\n  "resourceSpans": []\n}\n')
    assert not tracejson.is_json_lines(pretty)

"""Read one large OTLP JSON Lines file on every core: split it at line starts, aggregate each
part in its own process, merge the aggregates (counts and histograms add up exactly).

A trace whose lines straddle a cut is aggregated in two fragments, which loses only the links
between them (edges then fall back to the peer service); with one cut per core that is a
handful of traces in millions.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from preflight.runtime.adapters import tracejson
from preflight.runtime.records import SourceReport, Span
from preflight.runtime.spans import SpanAggregator

PARALLEL_MIN_BYTES = 32 * 1024 * 1024
"""Below this, starting worker processes costs more than it saves."""


class _AggregatingSink:
    def __init__(self, aggregator: SpanAggregator) -> None:
        self.aggregator = aggregator

    def span(self, span: Span) -> None:
        self.aggregator.add(span)

    def row(self, table: str, row: dict[str, object]) -> None:
        raise AssertionError("trace adapters produce spans only")


def worth_it(path: Path, fmt: str) -> bool:
    """True for a large OTLP JSON Lines file on a machine with more than one core."""
    return (
        fmt == "otlp"
        and (os.cpu_count() or 1) > 1
        and path.stat().st_size >= PARALLEL_MIN_BYTES
        and tracejson.is_json_lines(path)
    )


def _read_part(path: str, start: int, end: int) -> tuple[SourceReport, SpanAggregator]:
    from preflight.runtime.adapters import otlp

    aggregator = SpanAggregator("otlp")
    report = otlp.ADAPTER.read_lines(Path(path), start, end, _AggregatingSink(aggregator))
    aggregator.flush()
    return report, aggregator


def read(path: Path, into: SpanAggregator) -> SourceReport:
    """Aggregate the file into `into` using one process per core; return the file's report."""
    ranges = tracejson.line_ranges(path, os.cpu_count() or 1)
    # spawn, not fork: forking a process that may hold library threads (pyarrow) can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
        parts = list(pool.map(_read_part, [str(path)] * len(ranges), *zip(*ranges, strict=True)))
    report = SourceReport(str(path), "otlp")
    for part_report, aggregator in parts:
        report.rows_read += part_report.rows_read
        report.rejected.update(part_report.rejected)
        if part_report.window_start_ns is not None and part_report.window_end_ns is not None:
            report.observe(part_report.window_start_ns, part_report.window_end_ns)
        into.merge(aggregator)
    return report

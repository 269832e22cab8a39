"""Read one large OTLP JSON Lines file on every core: split it at line starts, aggregate each
part in its own process, merge the aggregates (counts and histograms add up exactly).

A trace whose lines straddle a cut is aggregated in two fragments, which loses only the links
between them (edges then fall back to the peer service); with one cut per core that is a
handful of traces in millions.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from preflight.runtime.adapters import tracejson
from preflight.runtime.records import SourceReport, Span
from preflight.runtime.spans import SpanAggregator

PARALLEL_MIN_BYTES = 32 * 1024 * 1024
"""Below this, starting worker processes costs more than it saves."""
PARENT_POLL_SECONDS = 0.5
"""How often a worker checks that the collect that started it is still running."""


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


def pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes that exit on their own when this process is gone.

    A killed collect (SIGKILL, or SIGTERM, which Python does not turn into cleanup) cannot stop
    its workers, and each would read its part of a large file to the end: minutes of a CI
    runner's cores. Each worker watches its parent instead (_watch_parent)."""
    # spawn, not fork: forking a process that may hold library threads (pyarrow) can deadlock.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=_watch_parent, initargs=(os.getpid(),)
    )


def _watch_parent(parent: int) -> None:
    """In a worker: a daemon thread that ends the process once its parent has exited.

    On POSIX an orphan is re-parented (to init or a subreaper), so getppid() stops naming the
    parent; polling that needs no signal set-up and no Linux-only prctl."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)  # no cleanup to run: the parent that wanted the result is gone

    threading.Thread(target=watch, name="preflight-parent-watch", daemon=True).start()


def read(path: Path, into: SpanAggregator) -> SourceReport:
    """Aggregate the file into `into` using one process per core; return the file's report."""
    ranges = tracejson.line_ranges(path, os.cpu_count() or 1)
    with pool(len(ranges)) as workers:
        parts = list(workers.map(_read_part, [str(path)] * len(ranges), *zip(*ranges, strict=True)))
    report = SourceReport(str(path), "otlp")
    for part_report, aggregator in parts:
        report.rows_read += part_report.rows_read
        report.rejected.update(part_report.rejected)
        if part_report.window_start_ns is not None and part_report.window_end_ns is not None:
            report.observe(part_report.window_start_ns, part_report.window_end_ns)
        into.merge(aggregator)
    return report

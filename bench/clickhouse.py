"""Aggregation pushed down to ClickHouse (chDB in-process) vs the file collector, on the same spans.

Usage (from the repository root; needs `pip install chdb`):
    python -m bench.clickhouse [--spans 1000000] [--runs 3]

Generates OTLP JSON Lines with bench.collect.generate (traces of 10 spans over 4 services),
then times, on the same spans:
  (a) file:    the otlp adapter + SpanAggregator + tables() on the JSON Lines (what
               `collect traces.jsonl` does per file, one process);
  (b) chdb:    clickhouse.pull() against an otel_traces table in chDB, created with the
               exporter's DDL and loaded with the rows the exporter would write (load not timed),
and checks that both give the same tables. Prints a Markdown table.

Also the helpers the tests use to play the exporter: EXPORTER_DDL and exporter_rows().
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

# The exporter's traces table (exporter/clickhouseexporter/internal/sqltemplates/traces_table.sql,
# the Map variant it creates by default), with its database and name filled in.
EXPORTER_DDL = """
CREATE TABLE IF NOT EXISTS {database}.{table} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
"""

# ptrace.SpanKind.String() and ptrace.StatusCode.String(), what the exporter stores since 2023.
_KINDS = ("Unspecified", "Internal", "Server", "Client", "Producer", "Consumer")
_STATUS = ("Unset", "Ok", "Error")
_NAMED_KIND = {f"SPAN_KIND_{name.upper()}": name for name in _KINDS}
_NAMED_STATUS = {f"STATUS_CODE_{name.upper()}": name for name in _STATUS}
_LOAD_COLUMNS = (
    "ts Int64, TraceId String, SpanId String, ParentSpanId String, TraceState String, SpanName String, "
    "SpanKind String, ServiceName String, ResourceAttributes Map(String, String), ScopeName String, "
    "ScopeVersion String, SpanAttributes Map(String, String), Duration UInt64, StatusCode String, "
    "StatusMessage String"
)


def _as_string(value: dict[str, Any]) -> str:
    """pcommon.Value.AsString: what the exporter stores for an attribute value."""
    if "stringValue" in value:
        return str(value["stringValue"])
    if "intValue" in value:
        return str(int(value["intValue"]))
    if "boolValue" in value:
        return "true" if value["boolValue"] else "false"
    if "doubleValue" in value:
        return repr(float(value["doubleValue"]))
    return json.dumps(value)


def _attributes(items: Iterable[dict[str, Any]] | None) -> dict[str, str]:
    return {item["key"]: _as_string(item.get("value") or {}) for item in items or ()}


def exporter_rows(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The otel_traces rows the exporter writes for one OTLP JSON document (hex ids), Timestamp as ns in `ts`."""
    for resource_spans in document["resourceSpans"]:
        resource = _attributes((resource_spans.get("resource") or {}).get("attributes"))
        for scope_spans in resource_spans.get("scopeSpans") or ():
            scope = scope_spans.get("scope") or {}
            for span in scope_spans.get("spans") or ():
                kind = span.get("kind", 0)
                code = (span.get("status") or {}).get("code", 0)
                start, end = int(span["startTimeUnixNano"]), int(span["endTimeUnixNano"])
                yield {
                    "ts": start,
                    "TraceId": span["traceId"],
                    "SpanId": span["spanId"],
                    "ParentSpanId": span.get("parentSpanId") or "",
                    "TraceState": span.get("traceState") or "",
                    "SpanName": span.get("name") or "",
                    "SpanKind": _KINDS[kind] if isinstance(kind, int) else _NAMED_KIND[kind],
                    "ServiceName": resource.get("service.name", ""),
                    "ResourceAttributes": resource,
                    "ScopeName": scope.get("name") or "",
                    "ScopeVersion": scope.get("version") or "",
                    "SpanAttributes": _attributes(span.get("attributes")),
                    "Duration": end - start,
                    "StatusCode": _STATUS[code] if isinstance(code, int) else _NAMED_STATUS[code],
                    "StatusMessage": (span.get("status") or {}).get("message") or "",
                }


def load(
    session: Any, rows: Iterable[dict[str, Any]], database: str = "otel", table: str = "otel_traces"
) -> int:
    """Create the exporter's table in a chdb session and insert rows (through a JSON Lines file)."""
    session.query(f"CREATE DATABASE IF NOT EXISTS {database}")
    session.query(EXPORTER_DDL.format(database=database, table=table))
    count = 0
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "rows.jsonl"
        with path.open("wb") as out:
            for row in rows:
                out.write(orjson.dumps(row) + b"\n")
                count += 1
        session.query(
            f"INSERT INTO {database}.{table} (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, "
            "SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, "
            "StatusCode, StatusMessage) "
            "SELECT fromUnixTimestamp64Nano(ts), * EXCEPT ts "
            f"FROM file('{path}', 'JSONEachRow', '{_LOAD_COLUMNS}')"
        )
    return count


def _file_tables(path: Path) -> tuple[float, dict[str, Any]]:
    from preflight.runtime.adapters.otlp import ADAPTER
    from preflight.runtime.spans import SpanAggregator

    class Sink:
        def __init__(self) -> None:
            self.aggregator = SpanAggregator("otlp")

        def span(self, span: Any) -> None:
            self.aggregator.add(span)

        def row(self, table: str, row: dict[str, Any]) -> None:
            raise AssertionError(table)

    began = _clock()
    sink = Sink()
    ADAPTER.read(path, sink)
    tables = sink.aggregator.tables()
    return _since(began), tables


def _clock() -> tuple[float, float]:
    """(wall, CPU of every thread of this process) seconds: chDB runs on every core."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), usage.ru_utime + usage.ru_stime


def _since(began: tuple[float, float]) -> tuple[float, float]:
    now = _clock()
    return now[0] - began[0], now[1] - began[1]


def _same(left: dict[str, Any], right: dict[str, Any]) -> bool:
    import pandas as pd

    for name, frame in left.items():
        columns = list(frame.columns)
        a = frame.sort_values(columns[:4]).reset_index(drop=True)
        b = right[name].sort_values(columns[:4]).reset_index(drop=True)
        try:
            pd.testing.assert_frame_equal(a, b)
        except AssertionError as e:
            print(f"{name} differs: {e}")
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side (the median is shown)")
    args = parser.parse_args(argv)

    from chdb import session as chdb_session

    from bench.collect import generate
    from preflight.runtime import clickhouse

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "traces.jsonl"
        generate(path, args.spans)
        size_mb = path.stat().st_size / 1e6
        file_times = []
        for _ in range(args.runs):
            seconds, file_tables = _file_tables(path)
            file_times.append(seconds)

        session = chdb_session.Session(str(Path(directory) / "chdb"))
        began = time.perf_counter()
        with path.open("rb") as lines:
            spans = load(session, (row for line in lines for row in exporter_rows(orjson.loads(line))))
        load_s = time.perf_counter() - began
        target = clickhouse.ClickHouseTarget("chdb", 0, False, "otel", "otel_traces", "default")
        engine = clickhouse.Chdb(session)
        span = clickhouse.Window(0, 2**63 - 1)
        chdb_times = []
        for _ in range(args.runs):
            began = _clock()
            _, chdb_tables = clickhouse.pull(engine, target, span)
            chdb_times.append(_since(began))
        session.close()

    equal = _same(file_tables, chdb_tables)
    median = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    print(f"{spans:,} spans ({size_mb:,.0f} MB of OTLP JSON Lines), {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, median of {args.runs}")  # fmt: skip
    print("| side | wall s | CPU s | spans/s (wall) |\n|---|---|---|---|")
    for name, times in (("file collector (otlp adapter + SpanAggregator, 1 process)", file_times),
                        ("chDB pull (aggregation SQL, rows in a MergeTree table)", chdb_times)):  # fmt: skip
        wall, cpu = median(times)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {spans / wall:,.0f} |")
    print(f"loading the rows into chDB (not timed above): {load_s:.1f} s; tables equal: {equal}")
    return 0 if equal else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Build a snapshot from telemetry files: detect, stream, aggregate, resolve, write atomically."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from preflight.errors import InputError
from preflight.models import PathMapping
from preflight.runtime import adapters, budgets, parallel, snapshot
from preflight.runtime.identity import CodeIndex, outside, resolve
from preflight.runtime.records import SourceReport, Span
from preflight.runtime.schema import TABLES
from preflight.runtime.spans import SpanAggregator

SNIFF_BYTES = 64 * 1024
MAX_UNRESOLVED_LISTED = 50
EXPORT_HINT = (
    "export a supported format: OTLP JSON or protobuf (the OpenTelemetry Collector's file exporter "
    "with `format: json` or `proto`; from a Python service, see docs/snapshots/opentelemetry.md in "
    "preflight's repository), the Python SDK's ConsoleSpanExporter output, Jaeger or Zipkin JSON, "
    "cProfile/folded profiles, OpenSLO or Sloth SLOs; or pass --format"
)
"""How to get telemetry preflight reads, for the error that refuses a source that gave nothing."""


class Progress(NamedTuple):
    """Where collect is, for a progress line."""

    path: Path
    number: int
    files: int
    bytes_done: int
    bytes_total: int
    parallel: bool


@dataclass(frozen=True, slots=True)
class CollectOptions:
    """How to read the sources."""

    fmt: str | None = None
    """Force one adapter for every file instead of detecting formats."""
    service: str | None = None
    """service.name for profiles, which carry none."""
    window_seconds: float | None = None
    """Observation window of profiles, which carry none; without it their rates are unknown."""
    path_map: tuple[PathMapping, ...] = ()


class _Sink:
    """Feeds spans to one aggregator per trace format and keeps finished rows per table."""

    def __init__(self, progress: Callable[[int], None] | None = None) -> None:
        self.on_progress = progress
        self.aggregators: dict[str, SpanAggregator] = {}
        self.format = "unknown"
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in (*TABLES, "slo_budgets")}
        self.records = 0
        """Spans and rows received: a source that adds none gave nothing."""

    def aggregator(self, fmt: str) -> SpanAggregator:
        """The aggregator of one trace format."""
        found = self.aggregators.get(fmt)
        if found is None:
            found = self.aggregators[fmt] = SpanAggregator(fmt)
        return found

    def span(self, span: Span) -> None:
        self.records += 1
        self.aggregator(self.format).add(span)

    def row(self, table: str, row: dict[str, Any]) -> None:
        self.records += 1
        self.rows[table].append(row)

    def progress(self, done: int) -> None:
        if self.on_progress is not None:
            self.on_progress(done)


def expand(paths: list[Path]) -> list[Path]:
    """Files named, and every file under directories named (sorted); a missing path is an error."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or directory; pass telemetry files or directories")
    return files


def detect(path: Path, registry: dict[str, adapters.Adapter]) -> adapters.Adapter | None:
    """The adapter whose sniff accepts the file's first bytes, or None."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    return next((a for a in registry.values() if a.sniff(path, head)), None)


def collect(
    sources: list[Path],
    output: Path,
    options: CollectOptions,
    index: CodeIndex | None,
    now: datetime.datetime,
    progress: Callable[[Progress], None] | None = None,
    pulled: Sequence[tuple[SourceReport, dict[str, pd.DataFrame]]] = (),
    companions: Callable[[Path], Mapping[str, bytes]] | None = None,
) -> dict[str, Any]:
    """Read every source into a new snapshot at output; return its meta (the summary).

    pulled: span tables already aggregated elsewhere (clickhouse.pull), with their reports.
    companions: more files written with the snapshot (snapshot.write).
    """
    registry = adapters.registry(options.service, options.window_seconds)
    if options.fmt is not None and options.fmt not in registry:
        raise InputError(f"--format {options.fmt!r}: unknown; choose one of {', '.join(registry)}")
    by_source = {source: expand([source]) for source in sources}
    files = [path for found in by_source.values() for path in found]
    if not files and not pulled:
        raise InputError("no telemetry files found in the sources given")
    reports: list[SourceReport] = [report for report, _ in pulled]
    current: list[Progress] = []

    def tell(done: int) -> None:
        if progress is not None:
            progress(current[-1]._replace(bytes_done=done))

    sink = _Sink(tell)
    gave: dict[Path, bool] = {}
    for number, path in enumerate(files, start=1):
        before = sink.records
        current.append(Progress(path, number, len(files), 0, path.stat().st_size, False))
        tell(0)
        adapter = registry[options.fmt] if options.fmt else detect(path, registry)
        if adapter is None:
            report = SourceReport(str(path), "unknown")
            report.reject("unrecognized format")
        elif parallel.worth_it(path, adapter.name):
            current.append(current[-1]._replace(parallel=True))
            tell(0)
            report = parallel.read(path, sink.aggregator(adapter.name))
            sink.records += report.rows_read - sum(report.rejected.values())
        else:
            sink.format = adapter.name
            report = adapter.read(path, sink)
        gave[path] = sink.records > before
        reports.append(report)
        tell(current[-1].bytes_total)
    _refuse_empty(by_source, gave, reports)
    tables = _tables(sink, [spans for _, spans in pulled])
    if not any(len(frame) for frame in tables.values()):
        raise InputError(
            "the snapshot would be empty: "
            + "; ".join(_told(r) for r in reports)
            + f"; no snapshot written; {EXPORT_HINT}"
        )
    resolution = _resolve(tables["functions"], index, options.path_map)
    tables["slos"] = budgets.apply(tables["slos"], sink.rows["slo_budgets"], tables["endpoints"])
    meta = _meta(reports, tables, resolution, now)
    hosts: dict[str, list[str]] = {}
    for aggregator in sink.aggregators.values():
        for service, found in aggregator.hosts().items():
            hosts[service] = list(dict.fromkeys([*hosts.get(service, []), *found]))
    if hosts:  # where each service ran (k8s node or host name), for CPU contention between neighbours
        meta["hosts"] = hosts
    meta["aggregation_rejected"] = {
        name: dict(sorted(aggregator.rejected.items()))
        for name, aggregator in sink.aggregators.items()
        if aggregator.rejected
    }
    snapshot.write(snapshot.Snapshot(tables, meta), output, companions)
    return meta


def _refuse_empty(
    by_source: dict[Path, list[Path]], gave: dict[Path, bool], reports: list[SourceReport]
) -> None:
    """InputError naming every source (file or directory) none of whose files gave a span or row."""
    told = {Path(report.path): report for report in reports}
    empty = [
        f"{source}: no spans or rows ({'; '.join(_told(told[path]) for path in found) or 'no files'})"
        for source, found in by_source.items()
        if not any(gave[path] for path in found)
    ]
    if empty:
        raise InputError("; ".join(empty) + f"; no snapshot written; {EXPORT_HINT}")


def _told(report: SourceReport) -> str:
    """What one file gave: its path, the format detected and its counts."""
    rejected = ", ".join(f"{reason} {count}" for reason, count in sorted(report.rejected.items()))
    detected = "format not recognized" if report.format == "unknown" else f"format {report.format}"
    return f"{report.path}: {detected}, {report.rows_read} read" + (
        f", rejected: {rejected}" if rejected else ""
    )


def _tables(sink: _Sink, pulled: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    from_spans = [aggregator.tables() for aggregator in sink.aggregators.values()] + pulled
    tables = {}
    for name in TABLES:
        parts = [snapshot.conform(name, spans[name]) for spans in from_spans if name in spans]
        if sink.rows[name]:
            parts.append(snapshot.conform(name, pd.DataFrame(sink.rows[name])))
        tables[name] = pd.concat(parts, ignore_index=True) if parts else snapshot.empty(name)
    return tables


def _resolve(
    functions: pd.DataFrame, index: CodeIndex | None, path_map: tuple[PathMapping, ...]
) -> dict[str, Any]:
    """Fill code_path/code_qualname in place; return the resolution rate and what stayed unresolved.
    The rate counts only functions that could be the repository's: the others (standard library,
    installed packages, paths outside paths.map) are counted as `outside`."""
    if index is None:
        return {
            "repository": None,
            "functions": len(functions),
            "outside": None,
            "resolved": None,
            "rate": None,
            "unresolved": [],
        }
    paths: list[str | None] = []
    names: list[str | None] = []
    unresolved: list[str] = []
    elsewhere = 0
    for qualname, file_path, line in zip(
        functions["qualname"], functions["file_path"], functions["line"], strict=True
    ):
        found = resolve(
            index,
            None if pd.isna(qualname) else str(qualname),
            None if pd.isna(file_path) else str(file_path),
            None if pd.isna(line) else int(line),
            path_map,
        )
        paths.append(found.path if found else None)
        names.append(found.qualname if found else None)
        if found is None and not pd.isna(file_path) and outside(str(file_path), path_map):
            elsewhere += 1
        elif found is None:
            unresolved.append(_describe(qualname, file_path, line))
    functions["code_path"] = pd.Series(paths, dtype="string")
    functions["code_qualname"] = pd.Series(names, dtype="string")
    total = len(functions)
    resolved = total - elsewhere - len(unresolved)
    return {
        "repository": True,
        "functions": total,
        "outside": elsewhere,
        "resolved": resolved,
        "rate": round(resolved / (total - elsewhere), 4) if total > elsewhere else None,
        "unresolved": sorted(set(unresolved))[:MAX_UNRESOLVED_LISTED],
    }


def _describe(qualname: object, file_path: object, line: object) -> str:
    """How telemetry named an unresolved function: qualified name and/or file:line."""
    where = "" if pd.isna(file_path) else f"{file_path}" + ("" if pd.isna(line) else f":{line}")
    name = "" if pd.isna(qualname) else str(qualname)
    return f"{name} ({where})" if name and where else name or where or "(unnamed)"


def _iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    return datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.timezone.utc).isoformat()


def _meta(
    reports: list[SourceReport],
    tables: dict[str, pd.DataFrame],
    resolution: dict[str, Any],
    now: datetime.datetime,
) -> dict[str, Any]:
    starts = [r.window_start_ns for r in reports if r.window_start_ns is not None]
    ends = [r.window_end_ns for r in reports if r.window_end_ns is not None]
    return {
        "generated_at": now.astimezone(datetime.timezone.utc).isoformat(),
        "window_start": _iso(min(starts)) if starts else None,
        "window_end": _iso(max(ends)) if ends else None,
        "sources": [
            {
                "path": r.path,
                "format": r.format,
                "rows_read": r.rows_read,
                "rows_rejected": sum(r.rejected.values()),
                "rejected": dict(sorted(r.rejected.items())),
            }
            for r in reports
        ],
        "resolution": resolution,
        "rows": {name: len(frame) for name, frame in tables.items()},
        "services": sorted(
            {str(s) for s in tables["functions"]["service"].dropna()}
            | {str(s) for s in tables["endpoints"]["service"].dropna()}
        ),
    }

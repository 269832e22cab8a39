"""Jaeger JSON traces, as the Jaeger query API and UI export them.

`{"data": [{"traceID", "spans": [...], "processes": {"p1": {"serviceName", "tags"}}}]}`; each
span has `traceID`, `spanID`, `operationName`, `references` (CHILD_OF/FOLLOWS_FROM),
`startTime` and `duration` in microseconds, `tags` ({"key", "type", "value"}) and `processID`.
Also accepted: a bare list of traces, one trace object, and JSON Lines of any of these.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from preflight.memory import paused_gc
from preflight.runtime.adapters import tracejson
from preflight.runtime.adapters.tracejson import KINDS, WANTED, keep
from preflight.runtime.records import RecordSink, SourceReport, Span

# Tags Jaeger uses for what OTLP has fields for.
_TAGS = WANTED | {"span.kind", "error", "otel.status_code"}


class JaegerAdapter:
    """Reads Jaeger JSON exports."""

    name = "jaeger"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the head looks like Jaeger JSON (capitalised traceID/spanID, processes)."""
        head = tracejson.sniff_head(head)
        if head[:1] not in (b"{", b"["):
            return False
        return b'"traceID"' in head and (b'"spanID"' in head or b'"processes"' in head)

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """Stream every span of the file into the sink; count rejected spans by reason."""
        report = SourceReport(str(path), self.name)
        with paused_gc():
            for doc in tracejson.iter_documents(path, report, getattr(sink, "progress", None)):
                for trace in _traces(doc, report):
                    processes = trace.get("processes")
                    services = _services(processes if type(processes) is dict else {})
                    hosts = _hosts(processes if type(processes) is dict else {})
                    spans = trace.get("spans")
                    for raw in spans if type(spans) is list else ():
                        span = _span(raw, services, report)
                        if span is not None:
                            process_id = raw.get("processID")
                            span.host = hosts.get(process_id) if type(process_id) is str else None
                            report.observe(span.start_ns, span.end_ns)
                            sink.span(span)
        return report


def _traces(doc: Any, report: SourceReport) -> Iterator[dict[str, Any]]:
    """The trace objects of a document: {"data": [...]}, a list of traces, or one trace."""
    if type(doc) is dict and "data" in doc:
        doc = doc["data"]
    items = doc if type(doc) is list else [doc]
    for item in items:
        if type(item) is dict and type(item.get("spans")) is list:
            yield item
        else:
            report.rows_read += 1
            report.reject("not a Jaeger trace object")


def _services(processes: dict[str, Any]) -> dict[str, str]:
    return {
        key: name
        for key, process in processes.items()
        if type(process) is dict and (name := tracejson.string(process.get("serviceName")))
    }


def _hosts(processes: dict[str, Any]) -> dict[str, str]:
    """processID -> where it runs: its k8s.node.name tag, else host.name, else Jaeger clients' hostname."""
    found = {}
    for key, process in processes.items():
        tags = process.get("tags") if type(process) is dict else None
        values = {
            tag.get("key"): tag.get("value")
            for tag in (tags if type(tags) is list else ())
            if type(tag) is dict and tag.get("key") in (*tracejson.HOST_KEYS, "hostname")
        }
        host = tracejson.host(values) or tracejson.host({"host.name": values.get("hostname")})
        if host is not None:
            found[key] = host
    return found


def _parent(raw: dict[str, Any]) -> str | None:
    """The span's parent: its CHILD_OF reference, else FOLLOWS_FROM, else the legacy parentSpanID."""
    found = None
    references = raw.get("references")
    for reference in references if type(references) is list else ():
        if type(reference) is dict and type(reference.get("spanID")) is str:
            if reference.get("refType") == "CHILD_OF":
                return str(reference["spanID"]).lower()
            found = found or str(reference["spanID"]).lower()
    legacy = raw.get("parentSpanID")
    if found is None and type(legacy) is str and legacy.strip("0"):
        found = legacy.lower()
    return found


def _span(raw: Any, services: dict[str, str], report: SourceReport) -> Span | None:
    ids = tracejson.span_ids(raw, "traceID", "spanID", report)
    if ids is None:
        return None
    trace_id, span_id = ids
    start, duration = raw.get("startTime"), raw.get("duration")
    window = tracejson.window_us(start, duration, report)
    if window is None:
        return None
    process_id = raw.get("processID")
    service = services.get(process_id) if type(process_id) is str else None
    if service is None:
        process = raw.get("process")  # some exports embed the process in each span
        service = tracejson.string(process.get("serviceName")) if type(process) is dict else None
    if service is None:
        report.reject(f"missing service name (kept as {tracejson.UNKNOWN_SERVICE})")
        service = tracejson.UNKNOWN_SERVICE
    attrs: dict[str, Any] = {}
    tags = raw.get("tags")
    for tag in tags if type(tags) is list else ():
        if type(tag) is dict:
            key = tag.get("key")
            if key in _TAGS:
                keep(attrs, key, tag.get("value"), report)
    kind = attrs.get("span.kind")
    kind = kind.lower() if type(kind) is str and kind.lower() in KINDS else "internal"
    error = attrs.get("error") in (True, "true") or attrs.get("otel.status_code") == "ERROR"
    name = raw.get("operationName")
    name = name if type(name) is str else ""
    return Span(
        trace_id.lower(),
        span_id.lower(),
        _parent(raw),
        service,
        name,
        kind,
        window[0],
        window[1],
        error,
        *tracejson.describe(attrs, kind, name),
    )


ADAPTER = JaegerAdapter()

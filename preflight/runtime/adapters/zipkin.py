"""Zipkin v2 JSON spans, as POSTed to /api/v2/spans or returned by /api/v2/trace(s).

A list of spans `{"traceId", "id", "parentId", "name", "kind", "timestamp", "duration" (both
microseconds), "localEndpoint": {"serviceName"}, "remoteEndpoint": {"serviceName"},
"tags": {str: str}, "shared"}`; /api/v2/traces returns a list of such lists. JSON Lines of
either are accepted too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from preflight.memory import paused_gc
from preflight.runtime.adapters import tracejson
from preflight.runtime.adapters.tracejson import WANTED, keep
from preflight.runtime.records import RecordSink, SourceReport, Span

_KIND = {"SERVER": "server", "CLIENT": "client", "PRODUCER": "producer", "CONSUMER": "consumer"}
SHARED_SUFFIX = ":server"
"""Appended to the span id of the server half of a B3 shared span."""


class ZipkinAdapter:
    """Reads Zipkin v2 JSON."""

    name = "zipkin"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the head is a JSON array of objects with traceId and id (and no OTLP spanId)."""
        head = tracejson.sniff_head(head)
        return (
            head[:1] == b"["
            and b'"traceId"' in head
            and b'"id"' in head
            and b'"spanId"' not in head
            and b'"resourceSpans"' not in head
        )

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """Stream every span of the file into the sink; count rejected spans by reason."""
        report = SourceReport(str(path), self.name)
        with paused_gc():
            for doc in tracejson.iter_documents(path, report, getattr(sink, "progress", None)):
                raws = list(_spans(doc))
                shared = _shared_servers(raws)
                for raw in raws:
                    span = _span(raw, shared, report)
                    if span is not None:
                        report.observe(span.start_ns, span.end_ns)
                        sink.span(span)
        return report


def _spans(doc: Any) -> Iterator[Any]:
    """Spans of a document: a list of spans, a list of traces (lists of spans), or one span."""
    for item in doc if type(doc) is list else [doc]:
        if type(item) is list:
            yield from item
        else:
            yield item


def _shared_servers(raws: list[Any]) -> dict[tuple[str, str], str | None]:
    """(trace id, span id) -> service of B3 shared server spans (the server half reuses the client's id)."""
    return {
        (str(raw["traceId"]).lower(), str(raw["id"]).lower()): _endpoint_service(raw, "localEndpoint")
        for raw in raws
        if type(raw) is dict and raw.get("shared") is True and raw.get("kind") == "SERVER"
        and type(raw.get("traceId")) is str and type(raw.get("id")) is str
    }  # fmt: skip


def _endpoint_service(raw: dict[str, Any], key: str) -> str | None:
    endpoint = raw.get(key)
    return tracejson.string(endpoint.get("serviceName")) if type(endpoint) is dict else None


def _span(raw: Any, shared: dict[tuple[str, str], str | None], report: SourceReport) -> Span | None:
    ids = tracejson.span_ids(raw, "traceId", "id", report)
    if ids is None:
        return None
    trace_id, span_id = ids
    start, duration = raw.get("timestamp"), raw.get("duration")
    if duration is None:
        # Zipkin leaves duration out of incomplete spans; zero would bias the percentiles.
        report.reject("missing duration")
        return None
    window = tracejson.window_us(start, duration, report)
    if window is None:
        return None
    service = _endpoint_service(raw, "localEndpoint")
    if service is None:
        report.reject(f"missing service name (kept as {tracejson.UNKNOWN_SERVICE})")
        service = tracejson.UNKNOWN_SERVICE
    attrs: dict[str, Any] = {}
    tags = raw.get("tags")
    error = False
    if type(tags) is dict:
        for key in WANTED.intersection(tags):
            keep(attrs, key, tags[key], report)
        # Read from the tags themselves: a long error message must not be dropped as oversized.
        error = "error" in tags or tags.get("otel.status_code") == "ERROR"
    kind = raw.get("kind")
    kind = _KIND.get(kind, "internal") if type(kind) is str else "internal"
    name = tracejson.string(raw.get("name")) or ""
    trace_id, span_id = trace_id.lower(), span_id.lower()
    parent_id = tracejson.string(raw.get("parentId"))
    parent_id = parent_id.lower() if parent_id else None
    if kind == "server" and raw.get("shared") is True:
        # B3 shared span: the server half reuses the client's span id. Give it its own id and
        # make the client half its parent, so the call shows up as a cross-service child.
        parent_id, span_id = span_id, span_id + SHARED_SUFFIX
    elif parent_id is not None and shared and shared.get((trace_id, parent_id), "") == service:
        parent_id += SHARED_SUFFIX  # a child of the server half, not of the client half
    return Span(
        trace_id,
        span_id,
        parent_id,
        service,
        name,
        kind,
        window[0],
        window[1],
        error,
        *tracejson.describe(attrs, kind, name, _endpoint_service(raw, "remoteEndpoint")),
    )


ADAPTER = ZipkinAdapter()

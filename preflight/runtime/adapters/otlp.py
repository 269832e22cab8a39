"""OTLP traces: the OpenTelemetry collector's file exporter output, or one OTLP JSON document;
OTLP protobuf (a request body, or the file exporter's `format: proto`) is read by otlpproto.

The collector writes one `{"resourceSpans": [...]}` document per line with hex ids; protobuf's
own JSON mapping (MessageToDict) gives base64 ids, which are accepted and converted to hex.
Enums may be integers or their names; 64-bit integers may be strings or numbers.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from preflight.memory import paused_gc
from preflight.runtime.adapters import otlpproto, tracejson
from preflight.runtime.adapters.tracejson import MAX_VALUE_CHARS, SERVER_KINDS, WANTED, keep
from preflight.runtime.records import RecordSink, SourceReport, Span

# SpanKind: 0 unspecified (treated as internal, as the SDKs do), 1 internal, 2 server, 3 client,
# 4 producer, 5 consumer.
_KIND: dict[int | str, str] = {}
for _number, _name in enumerate(("internal", "internal", "server", "client", "producer", "consumer")):
    _KIND[_number] = _name
_KIND.update(
    {
        "SPAN_KIND_UNSPECIFIED": "internal",
        "SPAN_KIND_INTERNAL": "internal",
        "SPAN_KIND_SERVER": "server",
        "SPAN_KIND_CLIENT": "client",
        "SPAN_KIND_PRODUCER": "producer",
        "SPAN_KIND_CONSUMER": "consumer",
    }
)
_NEVER = 1 << 64  # later than any uint64 time
_ERROR_CODES = (2, "STATUS_CODE_ERROR")
_ZERO_SPAN, _ZERO_TRACE = "0" * 16, "0" * 32
_ZERO_IDS = frozenset({_ZERO_SPAN, _ZERO_TRACE})


def hex_id(value: Any, nbytes: int) -> str | None:
    """A trace/span id as lowercase hex: from hex (the collector) or base64 (protobuf JSON); None if invalid.

    The two encodings never have the same length for 8- and 16-byte ids, so the length decides.
    All-zero ids are invalid in OTLP and read as missing.
    """
    if type(value) is not str:
        return None
    if len(value) == 2 * nbytes:
        text = value.lower()
        return None if text in _ZERO_IDS else text
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != nbytes or not any(raw):
        return None
    return raw.hex()


def any_value(value: Any) -> Any:
    """Unwrap an OTLP AnyValue ({"stringValue": ...}, intValue as string or number, ...)."""
    if type(value) is not dict:
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return tracejson.integer(value["intValue"])
    if "boolValue" in value:
        return value["boolValue"]
    if "doubleValue" in value:
        return value["doubleValue"]
    if "arrayValue" in value:
        array = value["arrayValue"]
        items = array.get("values") if type(array) is dict else None
        return tuple(any_value(item) for item in items) if type(items) is list else None
    return None


def _nanos(value: Any) -> int | None:
    """A uint64 time: its JSON mapping is a decimal string; plain integers are accepted too.

    Floats are refused: at nanosecond scale they have already lost precision.
    """
    if type(value) is str:
        try:
            return int(value)
        except ValueError:
            return None
    return value if type(value) is int else None


class OtlpAdapter:
    """Reads OTLP traces: JSON (JSON Lines or one document) or protobuf."""

    name = "otlp"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the head holds an OTLP trace document, or opens OTLP protobuf traces."""
        text = tracejson.sniff_head(head)
        if text[:1] in (b"{", b"["):
            return b'"resourceSpans"' in text
        return otlpproto.sniff(head)

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """Stream every span of the file into the sink; count rejected spans by reason."""
        if _protobuf(path):
            return otlpproto.read(path, sink)
        report = SourceReport(str(path), self.name)
        with paused_gc():
            for doc in tracejson.iter_documents(path, report, getattr(sink, "progress", None)):
                _read_document(doc, sink, report)
        return report

    def read_lines(self, path: Path, start: int, end: int, sink: RecordSink) -> SourceReport:
        """Read the JSON Lines that start in bytes [start, end) of the file (for parallel collect)."""
        report = SourceReport(str(path), self.name)
        with paused_gc():
            for doc in tracejson.iter_line_range(path, start, end, report):
                _read_document(doc, sink, report)
        return report


def _protobuf(path: Path) -> bool:
    """True when the file opens with OTLP protobuf rather than JSON (read as JSON otherwise)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False  # the JSON reader says it cannot read the file
    return tracejson.sniff_head(head)[:1] not in (b"{", b"[") and otlpproto.sniff(head)


def _read_document(doc: Any, sink: RecordSink, report: SourceReport) -> None:
    resource_spans = doc.get("resourceSpans") if type(doc) is dict else None
    if type(resource_spans) is not list:
        report.rows_read += 1
        report.reject("not an OTLP traces document")
        return
    for resource_span in resource_spans:
        if type(resource_span) is dict:
            _read_resource(resource_span, sink, report)
        else:
            report.rows_read += 1
            report.reject("not a resourceSpans object")


def _read_resource(resource_span: dict[str, Any], sink: RecordSink, report: SourceReport) -> None:
    service = None
    resource = resource_span.get("resource")
    attributes = resource.get("attributes") if type(resource) is dict else None
    bad_attributes = attributes is not None and type(attributes) is not list
    hosts: dict[str, Any] = {}
    for attribute in attributes if type(attributes) is list else ():
        if type(attribute) is not dict:
            continue
        key = attribute.get("key")
        if key == "service.name" and service is None:
            service = tracejson.string(any_value(attribute.get("value")))
        elif key in tracejson.HOST_KEYS:
            hosts[key] = any_value(attribute.get("value"))
    host = tracejson.host(hosts)
    scopes = resource_span.get("scopeSpans")
    if scopes is None:
        scopes = resource_span.get("instrumentationLibrarySpans")  # before OTLP 0.15
    service = service or tracejson.UNKNOWN_SERVICE
    emit = sink.span
    for scope in scopes if type(scopes) is list else ():
        spans = scope.get("spans") if type(scope) is dict else None
        if type(spans) is not list:
            report.rows_read += 1
            report.reject("not a scopeSpans object")
            continue
        if bad_attributes:
            report.reject("bad resource attributes", len(spans))
        elif service is tracejson.UNKNOWN_SERVICE:
            report.reject(f"missing service.name (kept as {tracejson.UNKNOWN_SERVICE})", len(spans))
        report.rows_read += len(spans)
        # The window is widened once per scope rather than per span: same result, fewer calls.
        first, last = _NEVER, 0
        for raw in spans:
            span = _span(raw, service, report)
            if span is not None:
                span.host = host
                if span.start_ns < first:
                    first = span.start_ns
                if span.end_ns > last:
                    last = span.end_ns
                emit(span)
        if last:
            report.observe(first, last)


def _span(raw: Any, service: str, report: SourceReport) -> Span | None:
    """One OTLP span dict -> Span, or None after counting why not.

    The hot path: the collector's canonical form (lowercase hex ids, string times, integer
    enums, stringValue attributes) is handled inline; helpers only run for the other forms.
    """
    if type(raw) is not dict:
        report.reject("not a span object")
        return None
    value = raw.get("traceId")
    trace_id = value if type(value) is str and len(value) == 32 and value.islower() else hex_id(value, 16)
    if trace_id is None or trace_id == _ZERO_TRACE:
        report.reject("missing trace id")
        return None
    value = raw.get("spanId")
    span_id = value if type(value) is str and len(value) == 16 and value.islower() else hex_id(value, 8)
    if span_id is None or span_id == _ZERO_SPAN:
        report.reject("missing span id")
        return None
    value = raw.get("parentSpanId")
    if not value:
        parent_id = None
    else:
        parent_id = value if type(value) is str and len(value) == 16 and value.islower() else hex_id(value, 8)
        if parent_id is None or parent_id == _ZERO_SPAN:
            report.reject("bad parent span id")
            return None
    window = tracejson.window_ns(
        _nanos(raw.get("startTimeUnixNano")), _nanos(raw.get("endTimeUnixNano")), report
    )
    if window is None:
        return None
    start, end = window
    try:
        kind = _KIND[raw.get("kind", 0)]
    except (KeyError, TypeError):
        report.reject("bad span kind")
        return None
    status = raw.get("status")
    error = bool(status) and type(status) is dict and status.get("code") in _ERROR_CODES
    name = raw.get("name")
    if type(name) is not str:
        name = ""
    attributes = raw.get("attributes")
    if not attributes or type(attributes) is not list:
        return Span(trace_id, span_id, parent_id, service, name, kind, start, end, error,
                    None, None, None, name if kind in SERVER_KINDS else None)  # fmt: skip
    attrs: dict[str, Any] = {}
    for attribute in attributes:
        if type(attribute) is not dict:
            continue
        key = attribute.get("key")
        if key in WANTED:
            value = attribute.get("value")
            text = value.get("stringValue") if type(value) is dict else None
            if type(text) is not str:
                keep(attrs, key, any_value(value), report)
            elif len(text) > MAX_VALUE_CHARS:
                report.reject("attribute value too large")
            else:
                attrs[key] = text
    if not attrs:
        return Span(trace_id, span_id, parent_id, service, name, kind, start, end, error,
                    None, None, None, name if kind in SERVER_KINDS else None)  # fmt: skip
    return Span(trace_id, span_id, parent_id, service, name, kind, start, end, error,
                *tracejson.describe(attrs, kind, name))  # fmt: skip


ADAPTER = OtlpAdapter()

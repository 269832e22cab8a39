"""The OpenTelemetry Python SDK's ConsoleSpanExporter output: what a Python team has first.

The exporter writes `ReadableSpan.to_json()` per span: pretty-printed JSON objects (indent 4)
one after another, not one document and not JSON Lines. Every nested line is indented, so a
document ends at a line that is exactly `}`; a custom formatter writing one object per line
(`to_json(indent=None)`) is read too. Ids are `0x`-prefixed hex, kinds `SpanKind.SERVER`, the
status `{"status_code": "ERROR"}`, times ISO 8601 in UTC with microseconds, attributes a plain
object, and the resource rides on every span. Lines outside a document (a service's own prints
on the same stdout) are counted and rejected.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from preflight.errors import InputError
from preflight.memory import paused_gc
from preflight.runtime.adapters import tracejson
from preflight.runtime.adapters.tracejson import KINDS, SERVER_KINDS, WANTED, keep
from preflight.runtime.records import RecordSink, SourceReport, Span

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_ZERO_IDS = frozenset({"0" * 16, "0" * 32})


class ConsoleAdapter:
    """Reads ConsoleSpanExporter output (pretty-printed span objects, one after another)."""

    name = "console"

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the head starts with an SDK span object: a context with trace_id and a SpanKind."""
        head = tracejson.sniff_head(head)
        return head[:1] == b"{" and b'"context"' in head and b'"trace_id"' in head and b'"SpanKind.' in head

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """Stream every span object of the file into the sink; count rejected spans by reason."""
        report = SourceReport(str(path), self.name)
        emit = sink.span
        with paused_gc():
            for raw in _documents(path, report):
                report.rows_read += 1
                span = _span(raw, report)
                if span is not None:
                    report.observe(span.start_ns, span.end_ns)
                    emit(span)
        return report


def _documents(path: Path, report: SourceReport) -> Iterator[Any]:
    """The JSON objects of the file: a line that is a whole object, or lines up to a closing `}`."""
    try:
        handle = path.open("rb")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from e
    with handle:
        pending: list[bytes] = []
        for number, line in enumerate(handle):
            if number == 0:
                line = line.removeprefix(b"\xef\xbb\xbf")
            stripped = line.rstrip()
            if not pending:
                if not stripped:
                    continue
                if stripped == b"{":
                    pending.append(line)
                    continue
                yield from _parsed(stripped, report)
                continue
            pending.append(line)
            if stripped == b"}":
                yield from _parsed(b"".join(pending), report)
                pending = []
        if pending:
            report.rows_read += 1
            report.reject("truncated span object")


def _parsed(text: bytes, report: SourceReport) -> Iterator[Any]:
    try:
        yield orjson.loads(text)
    except orjson.JSONDecodeError:
        report.rows_read += 1
        report.reject("not a span object (a line that is not JSON)")


def _hex(value: Any, nbytes: int) -> str | None:
    """`0x`-prefixed hex of nbytes as plain lowercase hex; None if missing, malformed or all zero."""
    if type(value) is not str or not value.startswith("0x") or len(value) != 2 + 2 * nbytes:
        return None
    text = value[2:].lower()
    try:
        int(text, 16)
    except ValueError:
        return None
    return None if text in _ZERO_IDS else text


def _nanos(value: Any) -> int | None:
    """An ISO 8601 time (the SDK writes UTC with microseconds and a Z) in ns since the epoch."""
    if type(value) is not str:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    delta = moment - _EPOCH
    # Integer arithmetic: a float would lose the microseconds at today's epoch offsets.
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def _span(raw: Any, report: SourceReport) -> Span | None:
    """One SDK span object -> Span (the same fields the OTLP adapter gives), or None after counting why not."""
    if type(raw) is not dict:
        report.reject("not a span object")
        return None
    context = raw.get("context")
    context = context if type(context) is dict else {}
    trace_id = _hex(context.get("trace_id"), 16)
    if trace_id is None:
        report.reject("missing trace id")
        return None
    span_id = _hex(context.get("span_id"), 8)
    if span_id is None:
        report.reject("missing span id")
        return None
    parent_id = None
    if raw.get("parent_id") is not None:
        parent_id = _hex(raw.get("parent_id"), 8)
        if parent_id is None:
            report.reject("bad parent span id")
            return None
    window = tracejson.window_ns(_nanos(raw.get("start_time")), _nanos(raw.get("end_time")), report)
    if window is None:
        return None
    start, end = window
    kind_text = raw.get("kind")
    kind = kind_text.removeprefix("SpanKind.").lower() if type(kind_text) is str else ""
    if kind not in KINDS:
        report.reject("bad span kind")
        return None
    status = raw.get("status")
    error = type(status) is dict and status.get("status_code") == "ERROR"
    name = raw.get("name")
    if type(name) is not str:
        name = ""
    service, host = _service(raw.get("resource"), report)
    attrs: dict[str, Any] = {}
    attributes = raw.get("attributes")
    for key, value in attributes.items() if type(attributes) is dict else ():
        if key in WANTED:
            keep(attrs, key, tuple(value) if type(value) is list else value, report)
    if not attrs:
        return Span(trace_id, span_id, parent_id, service, name, kind, start, end, error,
                    None, None, None, name if kind in SERVER_KINDS else None, None, host)  # fmt: skip
    return Span(trace_id, span_id, parent_id, service, name, kind, start, end, error,
                *tracejson.describe(attrs, kind, name), host)  # fmt: skip


def _service(resource: Any, report: SourceReport) -> tuple[str, str | None]:
    """service.name of the span's resource, or the SDKs' unknown_service (counted, as OTLP does),
    and where it runs (tracejson.host)."""
    attributes = resource.get("attributes") if type(resource) is dict else None
    service = tracejson.string(attributes.get("service.name")) if type(attributes) is dict else None
    host = tracejson.host(attributes) if type(attributes) is dict else None
    if service is None:
        report.reject(f"missing service.name (kept as {tracejson.UNKNOWN_SERVICE})")
        return tracejson.UNKNOWN_SERVICE, host
    return service, host


ADAPTER = ConsoleAdapter()

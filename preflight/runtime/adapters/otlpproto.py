"""OTLP protobuf traces: the binary encoding of the OTLP format (the otlp adapter reads both).

Two layouts: one ExportTraceServiceRequest (an OTLP/HTTP request body, `application/x-protobuf`),
or the OpenTelemetry Collector file exporter's `format: proto`, where every message follows its
size as a 4-byte big-endian unsigned integer. TracesData has the same wire form as the request.

Detection walks the wire format by hand, so reading a JSON or CSV file never imports protobuf:
resource_spans (field 1) -> scope_spans (2) -> spans (2) -> a span opening with its 16-byte
trace id (1) and 8-byte span id (2), as every OTLP encoder writes a span. Metrics and logs share
the first two levels but not the third. Decoding uses the official generated classes
(opentelemetry-proto), imported only here. A file none of whose messages decodes is refused;
in a stream, a damaged or cut-short message after good ones is counted.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from preflight.errors import InputError
from preflight.memory import paused_gc
from preflight.runtime.adapters import tracejson
from preflight.runtime.adapters.tracejson import SERVER_KINDS, WANTED, keep
from preflight.runtime.records import RecordSink, SourceReport, Span

if TYPE_CHECKING:
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans
    from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan

DISTRIBUTION = "preflight-risk-gate"
FORMAT = "otlp-proto"
"""The format a protobuf file is reported as (its rows are OTLP rows, source `otlp`)."""
HOW_TO_EXPORT = (
    "export it again (an OTLP/HTTP protobuf request body, or the collector file exporter's "
    "`format: proto`), or leave it out"
)

_KIND = ("internal", "internal", "server", "client", "producer", "consumer")  # 0 is unspecified
_ERROR = 2  # Status.code STATUS_CODE_ERROR
_LEN = 2  # the wire type of bytes, strings and messages
_FIXED = {1: 8, 5: 4}  # wire type -> size
_PREFIX = struct.Struct(">I")
_UNKNOWN = 1 << 64  # an end past any file


def sniff(head: bytes) -> bool:
    """True when head (a file's first bytes) opens with an OTLP trace request, alone or size-prefixed."""
    if head[:1] == b"\x0a":
        return _request(head, 0, _UNKNOWN)  # its size is the file's, which the head may not hold
    if len(head) > _PREFIX.size and head[_PREFIX.size] == 0x0A:
        (size,) = _PREFIX.unpack_from(head)
        return _request(head, _PREFIX.size, _PREFIX.size + size)
    return False


def _request(buf: bytes, pos: int, end: int) -> bool:
    """buf[pos:end] holds resource_spans (field 1, nothing else) and one of them a span."""
    for number, wire, start, stop in _fields(buf, pos, end):
        if (number, wire) != (1, _LEN):
            return False
        if _holds_span(buf, start, stop, depth=0):
            return True
    return False


def _holds_span(buf: bytes, pos: int, end: int, depth: int) -> bool:
    """ResourceSpans (depth 0) -> field 2, ScopeSpans (depth 1) -> field 2, a span."""
    for number, wire, start, stop in _fields(buf, pos, end):
        if number != 2:
            continue
        if wire != _LEN:
            return False
        if depth == 0 and _holds_span(buf, start, stop, 1):
            return True
        if depth == 1:
            return buf[start : start + 2] == b"\x0a\x10" and buf[start + 18 : start + 20] == b"\x12\x08"
    return False


def _fields(buf: bytes, pos: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(number, wire type, start, end) of each field in buf[pos:end], up to the end of buf or
    the first malformed field; a LEN field's end may lie past buf (a head is cut anywhere)."""
    while pos < min(end, len(buf)):
        tag = _varint(buf, pos)
        if tag is None:
            return
        key, pos = tag
        number, wire = key >> 3, key & 7
        if number == 0:
            return
        if wire == 0:
            value = _varint(buf, pos)
            if value is None:
                return
            start = stop = value[1]
        elif wire == _LEN:
            size = _varint(buf, pos)
            if size is None:
                return
            start, stop = size[1], size[1] + size[0]
        elif wire in _FIXED:
            start, stop = pos, pos + _FIXED[wire]
        else:
            return  # groups are not in OTLP; 6 and 7 are not wire types
        if stop > end:
            return
        yield number, wire, start, stop
        pos = stop


def _varint(buf: bytes, pos: int) -> tuple[int, int] | None:
    """(value, position after it), or None when buf ends first or it is longer than 10 bytes."""
    value = shift = 0
    for index in range(pos, min(pos + 10, len(buf))):
        byte = buf[index]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, index + 1
        shift += 7
    return None


def read(path: Path, sink: RecordSink) -> SourceReport:
    """Stream every span of the file into the sink; count rejected spans and damaged messages."""
    try:
        from google.protobuf.message import DecodeError
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    except ImportError as e:
        raise InputError(
            f"{path}: format {FORMAT} needs the opentelemetry-proto package, which this install does "
            f"not have; install the [collect] extra: pip install '{DISTRIBUTION}[collect]'"
        ) from e
    report = SourceReport(str(path), FORMAT)
    progress = getattr(sink, "progress", None)
    decoded, damage = 0, ""
    try:
        handle = path.open("rb")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from e
    with handle, paused_gc():
        for message, done in _messages(handle, report):
            if message is None:
                damage = damage or "the last message is cut short"
                continue
            request = ExportTraceServiceRequest()
            try:
                request.ParseFromString(message)
            except DecodeError as e:
                report.rows_read += 1
                report.reject("invalid protobuf message")
                damage = damage or str(e)
                continue
            decoded += 1
            for resource_spans in request.resource_spans:
                _read_resource(resource_spans, sink, report)
            if progress is not None:
                progress(done)
    if damage and not decoded:
        raise InputError(
            f"{path}: format {FORMAT}, but it does not decode ({damage}): the file is truncated or "
            f"damaged; {HOW_TO_EXPORT}"
        )
    return report


def _messages(handle: BinaryIO, report: SourceReport) -> Iterator[tuple[bytes | None, int]]:
    """(message, bytes read so far) for each message; None for one the file cuts short (counted)."""
    first = handle.read(1)
    if first == b"\x0a":  # one request (a size prefix starts with 0 below 167 MB)
        data = first + handle.read()
        yield data, len(data)
        return
    done = 0
    prefix = first + handle.read(_PREFIX.size - 1) if first else b""
    while prefix:
        size = _PREFIX.unpack(prefix)[0] if len(prefix) == _PREFIX.size else None
        message = handle.read(size) if size is not None else b""
        done += len(prefix) + len(message)
        if size is None or len(message) < size:
            report.rows_read += 1
            report.reject("truncated message")
            yield None, done
            return
        yield message, done
        prefix = handle.read(_PREFIX.size)


def _read_resource(resource_spans: ResourceSpans, sink: RecordSink, report: SourceReport) -> None:
    """The spans of one resource, counted as the OTLP JSON route counts them."""
    service = None
    hosts: dict[str, Any] = {}
    for attribute in resource_spans.resource.attributes:
        if attribute.key == "service.name" and service is None:
            service = tracejson.string(_value(attribute.value))
        elif attribute.key in tracejson.HOST_KEYS:
            hosts[attribute.key] = _value(attribute.value)
    host = tracejson.host(hosts)
    service = service or tracejson.UNKNOWN_SERVICE
    emit = sink.span
    for scope in resource_spans.scope_spans:
        spans = scope.spans
        if service is tracejson.UNKNOWN_SERVICE:
            report.reject(f"missing service.name (kept as {tracejson.UNKNOWN_SERVICE})", len(spans))
        report.rows_read += len(spans)
        for raw in spans:
            span = _span(raw, service, report)
            if span is not None:
                span.host = host
                report.observe(span.start_ns, span.end_ns)
                emit(span)


def _id(value: bytes, nbytes: int) -> str | None:
    """An id as lowercase hex; None when it has the wrong size or is all zero (invalid in OTLP)."""
    return value.hex() if len(value) == nbytes and any(value) else None


def _span(raw: ProtoSpan, service: str, report: SourceReport) -> Span | None:
    """One protobuf span -> Span, with the OTLP JSON route's checks and reasons, or None."""
    trace_id = _id(raw.trace_id, 16)
    if trace_id is None:
        report.reject("missing trace id")
        return None
    span_id = _id(raw.span_id, 8)
    if span_id is None:
        report.reject("missing span id")
        return None
    parent_id = None
    if raw.parent_span_id:
        parent_id = _id(raw.parent_span_id, 8)
        if parent_id is None:
            report.reject("bad parent span id")
            return None
    # An unset time is 0 in protobuf, absent in JSON: both are a bad timestamp.
    window = tracejson.window_ns(raw.start_time_unix_nano or None, raw.end_time_unix_nano or None, report)
    if window is None:
        return None
    start, end = window
    if not 0 <= raw.kind < len(_KIND):
        report.reject("bad span kind")
        return None
    kind = _KIND[raw.kind]
    error = raw.status.code == _ERROR
    name = raw.name
    attrs: dict[str, Any] = {}
    for attribute in raw.attributes:
        if attribute.key in WANTED:
            keep(attrs, attribute.key, _value(attribute.value), report)
    if not attrs:
        return Span(trace_id, span_id, parent_id, service, name, kind, start, end, error,
                    None, None, None, name if kind in SERVER_KINDS else None)  # fmt: skip
    return Span(trace_id, span_id, parent_id, service, name, kind, start, end, error,
                *tracejson.describe(attrs, kind, name))  # fmt: skip


def _value(value: AnyValue) -> Any:
    """An AnyValue as a plain value (arrays as tuples), as the JSON route unwraps it; None otherwise."""
    which = value.WhichOneof("value")
    if which == "array_value":
        return tuple(_value(item) for item in value.array_value.values)
    if which in ("string_value", "int_value", "bool_value", "double_value"):
        return getattr(value, which)
    return None

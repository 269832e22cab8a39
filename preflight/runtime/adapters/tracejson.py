"""What the JSON trace adapters (otlp, jaeger, zipkin) share.

Two things: streaming JSON documents out of a file (JSON Lines, or one document that may be
pretty-printed), and turning semantic-convention attributes into the `Span` fields preflight
uses (function identity, route, peer). Attribute dicts passed in here hold only the keys in
WANTED, already unwrapped to plain Python values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from preflight.errors import InputError
from preflight.runtime.records import SourceReport

MAX_VALUE_CHARS = 4096
"""Attribute strings longer than this are dropped (and counted): no real name or route is that long."""

UNKNOWN_SERVICE = "unknown_service"
"""What the OpenTelemetry SDKs report when service.name is not set."""

KINDS = frozenset({"server", "client", "internal", "producer", "consumer"})
SERVER_KINDS = frozenset({"server", "consumer"})
CLIENT_KINDS = frozenset({"client", "producer"})

# Only these attributes are read; everything else in a span is skipped without being converted.
WANTED = frozenset(
    {
        "code.function.name",
        "code.function",
        "code.namespace",
        "code.file.path",
        "code.filepath",
        "code.line.number",
        "code.lineno",
        "http.request.method",
        "http.method",
        "http.route",
        "rpc.service",
        "rpc.method",
        "peer.service",
        "server.address",
        "net.peer.name",
    }
)

CODE_KEYS = frozenset(key for key in WANTED if key.startswith("code."))

_BOM = b"\xef\xbb\xbf"

MAX_TIME_NS = 253_402_300_799 * 10**9
"""9999-12-31T23:59:59Z, the last time Python's datetime (and so the snapshot's window) can hold."""
TOO_LATE = "timestamp after year 9999"
MAX_LINE = 2**31 - 1
"""No source file has more lines; a larger code.line.number is damage, read as unknown."""


PROGRESS_EVERY = 8 * 1024 * 1024
"""Bytes between progress callbacks."""


def iter_documents(
    path: Path, report: SourceReport, progress: Callable[[int], None] | None = None
) -> Iterator[Any]:
    """Yield the JSON documents of a file: one per line (JSON Lines), or the whole file as one.

    JSON Lines are streamed; a line that does not parse is counted as 'invalid JSON'. A file
    whose first line is not a whole document is read as one document (pretty-printed). Raises
    InputError when the file cannot be read or holds no JSON at all.
    """
    try:
        handle = path.open("rb")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from e
    with handle:
        first = b""
        for line in handle:
            if line.strip():
                first = line.removeprefix(_BOM)
                break
        if not first:
            report.reject("empty file")
            return
        doc = _loads(first)
        if doc is not _INVALID:
            yield doc
            done, mark = len(first), PROGRESS_EVERY
            for line in handle:
                if progress is not None:
                    done += len(line)
                    if done >= mark:
                        progress(done)
                        mark = done + PROGRESS_EVERY
                doc = _line_document(line, report)
                if doc is not _INVALID:
                    yield doc
            return
        whole = first + handle.read()
    try:
        doc = orjson.loads(whole)
    except orjson.JSONDecodeError as e:
        # Not one document either: keep whatever lines do parse (a JSON Lines file whose first
        # line is damaged), or give up if none does.
        yield from _salvage_lines(path, whole, e, report)
        return
    yield doc


_INVALID = object()


def is_json_lines(path: Path) -> bool:
    """True when the file's first non-blank line is a whole JSON object or array (so lines can be split).

    A bare value is not enough: a line of a binary file can be one (OTLP protobuf whose first
    size byte is a digit).
    """
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                return isinstance(_loads(line.removeprefix(_BOM)), (dict, list))
    return False


def line_ranges(path: Path, parts: int) -> list[tuple[int, int]]:
    """Split a JSON Lines file into up to `parts` byte ranges that each start at a line start."""
    size = path.stat().st_size
    starts = [0]
    with path.open("rb") as handle:
        for i in range(1, parts):
            handle.seek(size * i // parts)
            handle.readline()  # finish the line the cut fell into
            position = handle.tell()
            if starts[-1] < position < size:
                starts.append(position)
    return list(zip(starts, [*starts[1:], size], strict=True))


def iter_line_range(path: Path, start: int, end: int, report: SourceReport) -> Iterator[Any]:
    """Yield the JSON documents of the lines that start in [start, end); bad lines are counted."""
    try:
        handle = path.open("rb")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from e
    with handle:
        handle.seek(start)
        position = start
        for line in handle:
            if position >= end:
                break
            position += len(line)
            doc = _line_document(line.removeprefix(_BOM) if position == len(line) else line, report)
            if doc is not _INVALID:
                yield doc


def _line_document(line: bytes, report: SourceReport) -> Any:
    """The JSON document on one line, or _INVALID (a non-blank line that does not parse is counted)."""
    doc = _loads(line)
    if doc is _INVALID and line.strip():
        report.rows_read += 1
        report.reject("invalid JSON")
    return doc


def _loads(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return _INVALID


def _salvage_lines(
    path: Path, whole: bytes, error: orjson.JSONDecodeError, report: SourceReport
) -> Iterator[Any]:
    lines = [line for line in whole.splitlines() if line.strip()]
    docs = [doc for doc in map(_loads, lines) if isinstance(doc, (dict, list))]
    if not docs:
        raise InputError(
            f"{path} is not JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "expected JSON Lines or one JSON document"
        ) from error
    report.rows_read += len(lines) - len(docs)
    report.reject("invalid JSON", len(lines) - len(docs))
    yield from docs


def span_ids(raw: Any, trace_key: str, span_key: str, report: SourceReport) -> tuple[str, str] | None:
    """Count one raw span and return its (trace id, span id), or count why it is unusable."""
    report.rows_read += 1
    if type(raw) is not dict:
        report.reject("not a span object")
        return None
    trace_id = string(raw.get(trace_key))
    if trace_id is None:
        report.reject("missing trace id")
        return None
    span_id = string(raw.get(span_key))
    if span_id is None:
        report.reject("missing span id")
        return None
    return trace_id, span_id


def window_us(start: Any, duration: Any, report: SourceReport) -> tuple[int, int] | None:
    """(start, end) in ns from a microsecond start and duration (Jaeger, Zipkin), or count why not."""
    if type(start) is not int or type(duration) is not int or start <= 0:
        report.reject("bad timestamp")
        return None
    if duration < 0:
        report.reject("end before start")
        return None
    if (start + duration) * 1000 > MAX_TIME_NS:
        report.reject(TOO_LATE)
        return None
    return start * 1000, (start + duration) * 1000


def window_ns(start: int | None, end: int | None, report: SourceReport) -> tuple[int, int] | None:
    """(start, end) of a span timed in nanoseconds (OTLP, the SDK's console output), or count why not."""
    if start is None or end is None or start <= 0:
        report.reject("bad timestamp")
        return None
    if end > MAX_TIME_NS:
        report.reject(TOO_LATE)
        return None
    if end < start:
        report.reject("end before start")
        return None
    return start, end


HOST_KEYS = ("k8s.node.name", "host.name")
"""Resource attributes that say where a service runs, the shared machine first."""


def host(found: Mapping[Any, Any]) -> str | None:
    """The first of HOST_KEYS that found (resource attribute -> value) has as non-empty text."""
    for key in HOST_KEYS:
        value = found.get(key)
        if type(value) is str and value and len(value) <= MAX_VALUE_CHARS:
            return value
    return None


def string(value: Any) -> str | None:
    """value when it is a non-empty string, else None."""
    return value if type(value) is str and value else None


def integer(value: Any) -> int | None:
    """value as an int when it is one or a decimal string (tags are often strings), else None."""
    if type(value) is int:
        return value
    if type(value) is str:
        try:
            return int(value)
        except ValueError:
            return None
    return None


def code_identity(attrs: Mapping[str, Any]) -> tuple[str | None, str | None, int | None]:
    """(qualified function name, file path, line) from the code.* attributes, current or pre-1.30."""
    get = attrs.get
    function = get("code.function.name")
    if type(function) is str and function:
        # Current semconv makes code.function.name fully qualified; older emitters put the
        # bare name there next to code.namespace.
        if "." not in function:
            namespace = get("code.namespace")
            if type(namespace) is str and namespace:
                function = f"{namespace}.{function}"
    else:
        function = get("code.function")
        if type(function) is str and function:
            namespace = get("code.namespace")
            if type(namespace) is str and namespace:
                function = f"{namespace}.{function}"
        else:
            function = None
    file_path = get("code.file.path") or get("code.filepath")
    if type(file_path) is not str:
        file_path = None
    line = get("code.line.number")
    if line is None:
        line = get("code.lineno")
    if type(line) is not int:
        line = integer(line)
    if line is not None and not 0 <= line <= MAX_LINE:
        line = None
    return function, file_path, line


def describe(
    attrs: Mapping[str, Any], kind: str, name: str, remote_service: str | None = None
) -> tuple[str | None, str | None, int | None, str | None, str | None]:
    """(function, file_path, line, route, peer_service) of a span: the Span fields attributes give.

    remote_service is the callee a format names outside the attributes (Zipkin's remoteEndpoint).
    """
    function: str | None = None
    file_path: str | None = None
    line: int | None = None
    if not CODE_KEYS.isdisjoint(attrs):
        function, file_path, line = code_identity(attrs)
    if kind in SERVER_KINDS:
        return function, file_path, line, route(attrs, name), None
    if kind in CLIENT_KINDS:
        return function, file_path, line, None, peer(attrs, remote_service)
    return function, file_path, line, None, None


def route(attrs: Mapping[str, Any], name: str) -> str:
    """Endpoint of a server/consumer span: 'METHOD /route', 'rpc.service/rpc.method', else the span name.

    url.path and http.target are deliberately not used: they hold ids and would explode the
    number of endpoints.
    """
    http_route = string(attrs.get("http.route"))
    if http_route is not None:
        method = string(attrs.get("http.request.method")) or string(attrs.get("http.method"))
        return f"{method} {http_route}" if method else http_route
    service = string(attrs.get("rpc.service"))
    method = string(attrs.get("rpc.method"))
    if service is not None and method is not None:
        return f"{service}/{method}"
    return name


def peer(attrs: Mapping[str, Any], remote_service: str | None = None) -> str | None:
    """The service a client span called: peer.service, a format's remote service, server.address, net.peer.name."""
    return (
        string(attrs.get("peer.service"))
        or remote_service
        or string(attrs.get("server.address"))
        or string(attrs.get("net.peer.name"))
    )


def keep(attrs: dict[str, Any], key: str, value: Any, report: SourceReport) -> None:
    """Store a wanted attribute, dropping (and counting) strings over MAX_VALUE_CHARS."""
    if type(value) is str and len(value) > MAX_VALUE_CHARS:
        report.reject("attribute value too large")
        return
    attrs[key] = value


def sniff_head(head: bytes) -> bytes:
    """head without a UTF-8 byte order mark and leading whitespace."""
    return head.removeprefix(_BOM).lstrip()

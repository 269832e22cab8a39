"""runtime/adapters/tracejson: JSON documents streamed out of files, and span fields from attributes."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from preflight.errors import InputError
from preflight.runtime.adapters.tracejson import (
    MAX_VALUE_CHARS,
    TOO_LATE,
    code_identity,
    describe,
    integer,
    is_json_lines,
    iter_documents,
    iter_line_range,
    keep,
    line_ranges,
    peer,
    route,
    sniff_head,
    span_ids,
    string,
    window_us,
)
from preflight.runtime.records import SourceReport


def report() -> SourceReport:
    return SourceReport("spans.json", "test")


def test_json_lines_are_streamed_and_bad_lines_counted(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n{"a": 2\n{"a": 3}\n')
    counted = report()
    assert list(iter_documents(path, counted)) == [{"a": 1}, {"a": 3}]
    assert counted.rejected == {"invalid JSON": 1}
    assert is_json_lines(path)


def test_a_pretty_printed_document_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "spans.json"
    path.write_text('{\n  "data": [\n    1, 2\n  ]\n}\n', encoding="utf-8")
    counted = report()
    assert list(iter_documents(path, counted)) == [{"data": [1, 2]}]
    assert not counted.rejected and not is_json_lines(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("\n  \n", encoding="utf-8")
    counted = report()
    assert list(iter_documents(empty, counted)) == []
    assert counted.rejected == {"empty file": 1} and not is_json_lines(empty)
    with pytest.raises(InputError, match="cannot read"):
        list(iter_documents(tmp_path / "missing.json", report()))


def test_line_ranges_cover_the_file_at_line_starts(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    lines = [f'{{"n": {n}, "pad": "{"x" * (n % 7)}"}}\n' for n in range(200)]
    path.write_text("".join(lines), encoding="utf-8")
    data = path.read_bytes()
    ranges = line_ranges(path, 4)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data) and 1 < len(ranges) <= 4
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(ranges))
    assert all(start == 0 or data[start - 1 : start] == b"\n" for start, _ in ranges)
    read = [doc["n"] for start, end in ranges for doc in iter_line_range(path, start, end, report())]
    assert read == list(range(200))


def test_span_ids_count_every_raw_span() -> None:
    counted = report()
    assert span_ids({"t": "ab", "s": "cd"}, "t", "s", counted) == ("ab", "cd")
    assert span_ids([], "t", "s", counted) is None
    assert span_ids({"s": "cd"}, "t", "s", counted) is None
    assert span_ids({"t": "ab", "s": ""}, "t", "s", counted) is None
    assert counted.rows_read == 4
    assert counted.rejected == {"not a span object": 1, "missing trace id": 1, "missing span id": 1}


def test_window_us_converts_microseconds_and_counts_bad_times() -> None:
    counted = report()
    assert window_us(1_000, 250, counted) == (1_000_000, 1_250_000)
    assert window_us("1000", 250, counted) is None
    assert window_us(0, 250, counted) is None
    assert window_us(1_000, -1, counted) is None
    assert window_us(300_000_000_000_000_000, 1, counted) is None
    assert counted.rejected == {"bad timestamp": 2, "end before start": 1, TOO_LATE: 1}


def test_plain_values() -> None:
    assert (string("x"), string(""), string(3)) == ("x", None, None)
    assert (integer(4), integer("42"), integer("4.2"), integer(4.0), integer(True)) == (
        4,
        42,
        None,
        None,
        None,
    )
    assert sniff_head(b"\xef\xbb\xbf \n {") == b"{"


def test_code_identity_current_and_older_conventions() -> None:
    assert code_identity(
        {"code.function.name": "shop.cart.add", "code.file.path": "shop/cart.py", "code.line.number": 12}
    ) == ("shop.cart.add", "shop/cart.py", 12)
    assert code_identity({"code.function.name": "add", "code.namespace": "shop.cart"})[0] == "shop.cart.add"
    assert code_identity(
        {"code.function": "add", "code.namespace": "shop.cart", "code.filepath": "c.py"}
    ) == (
        "shop.cart.add",
        "c.py",
        None,
    )
    assert code_identity({"code.function": "add", "code.lineno": "7"}) == ("add", None, 7)
    assert code_identity({"code.line.number": -1, "code.file.path": 3}) == (None, None, None)


def test_route_and_peer() -> None:
    assert route({"http.route": "/cart/{id}", "http.request.method": "POST"}, "span") == "POST /cart/{id}"
    assert route({"http.route": "/cart", "http.method": "GET"}, "span") == "GET /cart"
    assert route({"http.route": "/cart"}, "span") == "/cart"
    assert route({"rpc.service": "Cart", "rpc.method": "Add"}, "span") == "Cart/Add"
    assert route({"url.path": "/cart/123"}, "handle") == "handle"
    assert peer({"peer.service": "db", "server.address": "h"}, "remote") == "db"
    assert peer({"server.address": "h"}, "remote") == "remote"
    assert peer({"server.address": "h", "net.peer.name": "n"}) == "h"
    assert peer({"net.peer.name": "n"}) == "n"
    assert peer({}) is None


def test_describe_real_sdk_spans_by_kind() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    server = {"http.route": "/pay", "http.request.method": "POST", "code.function.name": "shop.pay"}
    with tracer.start_as_current_span("POST /pay", kind=SpanKind.SERVER, attributes=server):
        with tracer.start_as_current_span("call", kind=SpanKind.CLIENT, attributes={"peer.service": "bank"}):
            pass
        with tracer.start_as_current_span("work", attributes={"code.function": "f", "code.lineno": 3}):
            pass
    described = {
        span.name: describe(dict(span.attributes or {}), span.kind.name.lower(), span.name)
        for span in exporter.get_finished_spans()
    }
    provider.shutdown()
    assert described == {
        "POST /pay": ("shop.pay", None, None, "POST /pay", None),
        "call": (None, None, None, None, "bank"),
        "work": ("f", None, 3, None, None),
    }


def test_keep_drops_oversized_strings() -> None:
    counted = report()
    attrs: dict[str, object] = {}
    keep(attrs, "http.route", "/ok", counted)
    keep(attrs, "peer.service", "x" * (MAX_VALUE_CHARS + 1), counted)
    assert attrs == {"http.route": "/ok"} and counted.rejected == {"attribute value too large": 1}

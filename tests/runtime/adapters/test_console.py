"""ConsoleSpanExporter adapter: real SDK console output gives the records the OTLP adapter gives."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import orjson
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from preflight.runtime.adapters import console, otlp
from preflight.runtime.records import SourceReport, Span
from tests.runtime.adapters.test_otlp import Collected, _collector_json, _run_shop


def _console_text(spans: list[ReadableSpan]) -> str:
    """What ConsoleSpanExporter prints for these spans (its default formatter)."""
    out = io.StringIO()
    ConsoleSpanExporter(out=out).export(spans)
    return out.getvalue()


def _read(path: Path) -> tuple[SourceReport, Collected]:
    sink = Collected()
    return console.ADAPTER.read(path, sink), sink


def test_console_output_gives_the_otlp_records(tmp_path: Path) -> None:
    spans = _run_shop()
    path = tmp_path / "console.txt"
    path.write_text(_console_text(spans), encoding="utf-8")
    otlp_path = tmp_path / "traces.jsonl"
    otlp_path.write_bytes(orjson.dumps(_collector_json(spans, hex_ids=True)) + b"\n")
    assert console.ADAPTER.sniff(path, path.read_bytes()[:65536])
    assert not otlp.ADAPTER.sniff(path, path.read_bytes()[:65536])

    report, sink = _read(path)
    expected = Collected()
    otlp.ADAPTER.read(otlp_path, expected)

    assert report.rows_read == len(spans) and report.rejected == {}

    def untimed(span: Span) -> Span:
        return dataclasses.replace(span, start_ns=0, end_ns=0)

    by_id = {span.span_id: span for span in sink.spans}
    assert sorted(map(untimed, sink.spans), key=lambda s: s.span_id) == sorted(
        map(untimed, expected.spans), key=lambda s: s.span_id
    )
    for span in expected.spans:  # the console prints microseconds, through a float
        assert abs(by_id[span.span_id].start_ns - span.start_ns) <= 2000
        assert abs(by_id[span.span_id].end_ns - span.end_ns) <= 2000


def test_real_provider_with_the_console_exporter(tmp_path: Path) -> None:
    out = io.StringIO()
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=out)))
    tracer = provider.get_tracer("shop")
    server = {"http.request.method": "GET", "http.route": "/cart/{id}"}
    with tracer.start_as_current_span("GET /cart/{id}", kind=SpanKind.SERVER, attributes=server):
        old: dict[str, AttributeValue] = {"code.namespace": "shop.cart", "code.function": "load", "code.filepath": "/app/shop/cart.py",
               "code.lineno": 10}  # fmt: skip
        with tracer.start_as_current_span("load", attributes=old) as span:
            span.set_status(Status(StatusCode.ERROR))
        new: dict[str, AttributeValue] = {"code.function.name": "shop.cart.price", "code.file.path": "/app/shop/cart.py",
               "code.line.number": 20, "peer.service": "pricing"}  # fmt: skip
        with tracer.start_as_current_span("price", kind=SpanKind.CLIENT, attributes=new):
            pass
    provider.shutdown()
    path = tmp_path / "stdout.log"
    path.write_text("service starting\n" + out.getvalue(), encoding="utf-8")

    report, sink = _read(path)

    assert report.rows_read == 4
    assert report.rejected == {"not a span object (a line that is not JSON)": 1}
    spans = {span.name: span for span in sink.spans}
    root = spans["GET /cart/{id}"]
    assert (root.kind, root.service, root.route, root.parent_id, root.error) == (
        "server", "shop", "GET /cart/{id}", None, False,
    )  # fmt: skip
    load = spans["load"]
    assert (load.function, load.file_path, load.line, load.error, load.parent_id) == (
        "shop.cart.load", "/app/shop/cart.py", 10, True, root.span_id,
    )  # fmt: skip
    price = spans["price"]
    assert (price.kind, price.function, price.line, price.peer_service) == (
        "client", "shop.cart.price", 20, "pricing",
    )  # fmt: skip
    assert report.window_start_ns == root.start_ns and report.window_end_ns == root.end_ns
    tables = sink.aggregator.tables()
    assert sorted(tables["functions"]["qualname"]) == ["shop.cart.load", "shop.cart.price"]


def test_one_object_per_line_and_bad_spans(tmp_path: Path) -> None:
    good: dict[str, Any] = {
        "name": "job",
        "context": {"trace_id": "0x" + "1" * 32, "span_id": "0x" + "2" * 16},
        "kind": "SpanKind.INTERNAL",
        "parent_id": None,
        "start_time": "2024-05-01T10:00:00.000001Z",
        "end_time": "2024-05-01T10:00:00.000003Z",
        "status": {"status_code": "UNSET"},
        "attributes": {"code.function.name": "jobs.run"},
        "resource": {"attributes": {}},
    }
    bad = [
        {**good, "context": {"trace_id": "0x" + "0" * 32, "span_id": "0x" + "2" * 16}},
        {**good, "context": {"trace_id": "0x" + "1" * 32, "span_id": "zz"}},
        {**good, "parent_id": "0xnothex000000000"},
        {**good, "start_time": "yesterday"},
        {**good, "end_time": "2024-05-01T09:00:00.000000Z"},
        {**good, "kind": "SpanKind.SIDEWAYS"},
        [1, 2],
    ]
    path = tmp_path / "spans.jsonl"
    lines = [orjson.dumps(doc) for doc in (good, *bad)]
    path.write_bytes(b"\n".join(lines) + b'\n{\n    "name": "cut off"\n')

    report, sink = _read(path)

    assert [span.function for span in sink.spans] == ["jobs.run"]
    assert sink.spans[0].service == "unknown_service"
    assert sink.spans[0].end_ns - sink.spans[0].start_ns == 2000
    assert report.rows_read == 9
    assert report.rejected == {
        "missing service.name (kept as unknown_service)": 1,
        "missing trace id": 1,
        "missing span id": 1,
        "bad parent span id": 1,
        "bad timestamp": 1,
        "end before start": 1,
        "bad span kind": 1,
        "not a span object": 1,
        "truncated span object": 1,
    }

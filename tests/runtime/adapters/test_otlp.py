"""OTLP JSON adapter: real OpenTelemetry SDK spans through the official OTLP encoder, and bad input."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.propagators.textmap import default_getter, default_setter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

from preflight.errors import InputError
from preflight.runtime.adapters.otlp import ADAPTER, hex_id
from preflight.runtime.records import SourceReport, Span
from preflight.runtime.spans import SpanAggregator


class Collected:
    """A sink that keeps spans and feeds an aggregator."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.aggregator = SpanAggregator("otlp")

    def span(self, span: Span) -> None:
        self.spans.append(span)
        self.aggregator.add(span)

    def row(self, table: str, row: dict[str, Any]) -> None:
        raise AssertionError("trace adapters produce spans only")


def _run_shop() -> list[ReadableSpan]:
    """Three services (and a batch job) instrumented with the real SDK; returns the finished spans."""
    exporter = InMemorySpanExporter()

    # where each runs: a pod on node-a (its host.name is the pod's), a plain machine, nothing said
    where = {
        "frontend": {"k8s.node.name": "node-a", "host.name": "frontend-6d8f"},
        "checkout": {"host.name": "box-2"},
    }

    def tracer(service: str) -> Tracer:
        provider = TracerProvider(
            resource=Resource.create({"service.name": service, **where.get(service, {})})
        )
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return provider.get_tracer("shop")

    frontend, checkout, reporter = tracer("frontend"), tracer("checkout"), tracer("reporter")
    propagator = TraceContextTextMapPropagator()

    def serve_checkout(headers: dict[str, str], fail: bool) -> None:
        context = propagator.extract(headers, getter=default_getter)
        attributes = {"http.request.method": "POST", "http.route": "/checkout", "url.path": "/checkout"}
        charge_code: dict[str, AttributeValue] = {
            "code.namespace": "checkout.pay",
            "code.function": "charge",
            "code.filepath": "/srv/checkout/pay.py",
            "code.lineno": 42,
        }
        validate_code = {"code.function.name": "validate", "code.namespace": "checkout.rules"}
        with (
            checkout.start_as_current_span("POST /checkout", context, SpanKind.SERVER, attributes) as server,
            checkout.start_as_current_span("charge", attributes=charge_code) as charge,
        ):
            with checkout.start_as_current_span("validate", attributes=validate_code):
                pass
            if fail:
                charge.set_status(Status(StatusCode.ERROR, "card declined"))
                server.set_status(Status(StatusCode.ERROR))

    def call_checkout(caller: Tracer, fail: bool) -> None:
        with caller.start_as_current_span(
            "POST", kind=SpanKind.CLIENT, attributes={"server.address": "checkout"}
        ):
            headers: dict[str, str] = {}
            propagator.inject(headers, setter=default_setter)
            serve_checkout(headers, fail)

    for request in range(3):
        route = {"http.request.method": "GET", "http.route": "/cart/{id}", "url.path": f"/cart/{request}"}
        with frontend.start_as_current_span("GET /cart/{id}", kind=SpanKind.SERVER, attributes=route):
            with frontend.start_as_current_span(
                "load_cart",
                attributes={
                    "code.function.name": "shop.cart.load_cart",
                    "code.file.path": "/app/shop/cart.py",
                    "code.line.number": 10,
                },
            ):
                call_checkout(frontend, fail=request == 2)
            # inventory is not instrumented: the edge comes from peer.service alone
            with frontend.start_as_current_span(
                "GET", kind=SpanKind.CLIENT, attributes={"peer.service": "inventory"}
            ):
                pass
    with reporter.start_as_current_span("nightly", attributes={"code.function.name": "jobs.nightly.run"}):
        call_checkout(reporter, fail=False)
    return list(exporter.get_finished_spans())


def _collector_json(spans: list[ReadableSpan], hex_ids: bool) -> dict[str, Any]:
    """Protobuf JSON of the official encoding; hex_ids and integer enums as the collector writes them."""
    document: dict[str, Any] = MessageToDict(encode_spans(spans), use_integers_for_enums=hex_ids)
    if hex_ids:
        for resource_spans in document["resourceSpans"]:
            for scope_spans in resource_spans["scopeSpans"]:
                for span in scope_spans["spans"]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in span:
                            span[key] = base64.b64decode(span[key]).hex()
    return document


@pytest.fixture(scope="module")
def shop_spans() -> list[ReadableSpan]:
    return _run_shop()


def _read(path: Path) -> tuple[SourceReport, Collected]:
    sink = Collected()
    return ADAPTER.read(path, sink), sink


@pytest.mark.parametrize("hex_ids", [True, False], ids=["collector", "protobuf-json"])
def test_sdk_spans_become_exact_tables(tmp_path: Path, shop_spans: list[ReadableSpan], hex_ids: bool) -> None:
    path = tmp_path / "traces.jsonl"
    # Two batches, as the collector's file exporter writes them: one document per line.
    half = len(shop_spans) // 2
    batches = [_collector_json(shop_spans[:half], hex_ids), _collector_json(shop_spans[half:], hex_ids)]
    path.write_bytes(b"".join(orjson.dumps(batch) + b"\n" for batch in batches))
    assert ADAPTER.sniff(path, path.read_bytes()[:65536])

    report, sink = _read(path)

    assert report.rows_read == len(shop_spans) == 3 * 7 + 5
    assert report.rejected == {}
    assert report.window_start_ns == min(s.start_time for s in shop_spans if s.start_time)
    assert all(len(s.trace_id) == 32 and len(s.span_id) == 16 for s in sink.spans)
    tables = sink.aggregator.tables()

    functions = tables["functions"].set_index(["service", "qualname"])
    assert sorted(functions.index) == [
        ("checkout", "checkout.pay.charge"),
        ("checkout", "checkout.rules.validate"),
        ("frontend", "shop.cart.load_cart"),
        ("reporter", "jobs.nightly.run"),
    ]
    charge = functions.loc[("checkout", "checkout.pay.charge")]
    assert (charge["calls"], charge["file_path"], charge["line"]) == (4, "/srv/checkout/pay.py", 42)
    assert charge["error_rate"] == 0.25
    load = functions.loc[("frontend", "shop.cart.load_cart")]
    assert (load["calls"], load["file_path"], load["line"], load["error_rate"]) == (
        3,
        "/app/shop/cart.py",
        10,
        0,
    )
    assert 0 < load["p50_ms"] <= load["p95_ms"] <= load["p99_ms"]
    assert set(tables["functions"]["source"]) == {"otlp"}

    endpoints = tables["endpoints"].set_index(["service", "route"])
    assert sorted(endpoints.index) == [("checkout", "POST /checkout"), ("frontend", "GET /cart/{id}")]
    assert endpoints.loc[("checkout", "POST /checkout"), "requests"] == 4
    assert endpoints.loc[("checkout", "POST /checkout"), "error_rate"] == 0.25
    assert endpoints.loc[("frontend", "GET /cart/{id}"), "error_rate"] == 0

    edges = tables["edges"][
        ["caller_service", "callee_service", "caller_function", "calls", "calls_per_caller_request"]
    ]
    assert sorted(plain_rows(edges)) == [
        ("frontend", "checkout", "shop.cart.load_cart", 3, 1.0),
        ("frontend", "inventory", None, 3, 1.0),
        ("reporter", "checkout", "jobs.nightly.run", 1, None),
    ]

    reached = {(r.service, r.qualname, r.route): r.calls for r in tables["function_endpoints"].itertuples()}
    assert reached == {
        ("frontend", "shop.cart.load_cart", "GET /cart/{id}"): 3,
        ("checkout", "checkout.pay.charge", "POST /checkout"): 4,
        ("checkout", "checkout.rules.validate", "POST /checkout"): 4,
    }


def plain_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as tuples with missing values as None (pd.NA does not compare)."""
    return [
        tuple(None if value is pd.NA else value for value in row) for row in frame.itertuples(index=False)
    ]


def test_the_resource_says_where_a_service_runs(tmp_path: Path, shop_spans: list[ReadableSpan]) -> None:
    path = tmp_path / "traces.jsonl"
    path.write_bytes(orjson.dumps(_collector_json(shop_spans, hex_ids=True)) + b"\n")
    _, sink = _read(path)
    assert {(span.service, span.host) for span in sink.spans} == {
        ("frontend", "node-a"),  # the node, not the pod: what it shares CPU with
        ("checkout", "box-2"),
        ("reporter", None),
    }
    assert sink.aggregator.hosts() == {"checkout": ["box-2"], "frontend": ["node-a"]}


def test_pretty_printed_single_document(tmp_path: Path, shop_spans: list[ReadableSpan]) -> None:
    path = tmp_path / "traces.json"
    path.write_bytes(orjson.dumps(_collector_json(shop_spans, hex_ids=True), option=orjson.OPT_INDENT_2))
    assert path.read_bytes().count(b"\n") > 100
    report, sink = _read(path)
    assert (report.rows_read, report.rejected, len(sink.spans)) == (len(shop_spans), {}, len(shop_spans))


def _span(**overrides: Any) -> dict[str, Any]:
    span: dict[str, Any] = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": "work",
        "kind": 1,
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000000002000000",
        "attributes": [{"key": "code.function.name", "value": {"stringValue": "app.work"}}],
    }
    span.update(overrides)
    return span


def _line(*spans: dict[str, Any], resource: list[dict[str, Any]] | None = None) -> bytes:
    if resource is None:
        resource = [{"key": "service.name", "value": {"stringValue": "svc"}}]
    document = {
        "resourceSpans": [{"resource": {"attributes": resource}, "scopeSpans": [{"spans": list(spans)}]}]
    }
    return orjson.dumps(document) + b"\n"


def test_bad_rows_are_counted_never_raised(tmp_path: Path) -> None:
    lines = [
        _line(
            _span(),
            _span(spanId="a" * 16, startTimeUnixNano={"ns": 1}),
            _span(spanId="b" * 16, endTimeUnixNano="soon"),
            _span(spanId="c" * 16, endTimeUnixNano="1690000000000000000"),
            _span(spanId="d" * 16, kind="server"),
            _span(traceId=12345),
            _span(spanId=""),
            _span(spanId="e" * 16, parentSpanId="not-an-id"),
            "a span",  # type: ignore[arg-type]
            _span(spanId="f" * 16, attributes="nope"),
            _span(spanId="1" * 16, attributes=[{"key": "code.lineno", "value": {"intValue": "ten"}}]),
            _span(
                spanId="2" * 16,
                attributes=[{"key": "code.function.name", "value": {"stringValue": "x" * 100_000}}],
            ),
        ),
        b"\x00\xff\xfe garbage \x89PNG\r\n",
        _line(_span(spanId="3" * 16), resource=[]),
        _line(_span())[:-40] + b"\n",  # truncated last line, as a killed exporter leaves it
    ]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"".join(lines))

    report, sink = _read(path)

    assert report.rejected == {
        "bad timestamp": 2,
        "end before start": 1,
        "bad span kind": 1,
        "missing trace id": 1,
        "missing span id": 1,
        "bad parent span id": 1,
        "not a span object": 1,
        "attribute value too large": 1,
        "invalid JSON": 2,
        "missing service.name (kept as unknown_service)": 1,
    }
    assert report.rows_read == 12 + 2 + 1
    kept = {span.span_id: span for span in sink.spans}
    assert sorted(kept) == ["1" * 16, "2" * 16, "3" * 16, "eee19b7ec3c1b174", "f" * 16]
    assert kept["f" * 16].function is None
    assert kept["1" * 16].line is None
    assert kept["2" * 16].function is None  # the oversized name is dropped, the span kept
    assert kept["3" * 16].service == "unknown_service"


def test_duplicate_spans_are_counted_once(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_bytes(_line(_span()) * 2)
    report, sink = _read(path)
    tables = sink.aggregator.tables()
    assert report.rows_read == 2
    assert sink.aggregator.rejected == {"duplicate span": 1}
    assert tables["functions"]["calls"].tolist() == [1]


def test_enums_by_name_old_scope_key_and_int_times(tmp_path: Path) -> None:
    span = _span(
        kind="SPAN_KIND_SERVER",
        status={"code": "STATUS_CODE_ERROR"},
        startTimeUnixNano=1_700_000_000_000_000_000,
        endTimeUnixNano=1_700_000_000_005_000_000,
        attributes=[
            {"key": "rpc.service", "value": {"stringValue": "shop.Cart"}},
            {"key": "rpc.method", "value": {"stringValue": "Get"}},
            {"key": "code.function", "value": {"stringValue": "get"}},
            {"key": "code.lineno", "value": {"intValue": 7}},
            {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "a"}, {"boolValue": True}]}}},
        ],
    )
    document = {"resourceSpans": [{"instrumentationLibrarySpans": [{"spans": [span]}]}]}
    path = tmp_path / "old.json"
    path.write_bytes(orjson.dumps(document))
    report, sink = _read(path)
    (read,) = sink.spans
    assert (read.kind, read.error, read.route, read.function, read.line) == (
        "server",
        True,
        "shop.Cart/Get",
        "get",
        7,
    )
    assert read.end_ns - read.start_ns == 5_000_000
    assert report.rejected == {"missing service.name (kept as unknown_service)": 1}


def test_client_peer_falls_back_to_server_address_then_net_peer_name(tmp_path: Path) -> None:
    def client(span_id: str, key: str) -> dict[str, Any]:
        return _span(spanId=span_id, kind=3, attributes=[{"key": key, "value": {"stringValue": "db"}}])

    path = tmp_path / "peers.jsonl"
    path.write_bytes(_line(client("1" * 16, "server.address"), client("2" * 16, "net.peer.name")))
    _, sink = _read(path)
    assert [span.peer_service for span in sink.spans] == ["db", "db"]


def test_empty_file_and_binary_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n\n")
    report, sink = _read(empty)
    assert (report.rows_read, report.rejected, sink.spans) == (0, {"empty file": 1}, [])

    binary = tmp_path / "trace.bin"
    binary.write_bytes(bytes(range(256)) * 64)
    assert not ADAPTER.sniff(binary, binary.read_bytes())
    with pytest.raises(InputError, match=r"trace\.bin is not JSON"):
        _read(binary)
    with pytest.raises(InputError, match="cannot read"):
        _read(tmp_path / "missing.jsonl")


def test_not_otlp_documents_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_bytes(
        b'{"resourceMetrics": []}\n[1, 2]\n{"resourceSpans": [3, {"scopeSpans": [{"spans": 4}]}]}\n'
    )
    report, _ = _read(path)
    assert report.rejected == {
        "not an OTLP traces document": 2,
        "not a resourceSpans object": 1,
        "not a scopeSpans object": 1,
    }


def test_hex_id_accepts_hex_and_base64() -> None:
    raw = bytes(range(1, 17))
    assert hex_id(base64.b64encode(raw).decode(), 16) == raw.hex()
    assert hex_id(raw.hex().upper(), 16) == raw.hex()
    assert hex_id(base64.b64encode(raw[:8]).decode(), 8) == raw[:8].hex()
    assert hex_id("0" * 16, 8) is None
    assert hex_id(base64.b64encode(bytes(8)).decode(), 8) is None
    assert hex_id("!!!", 8) is None
    assert hex_id(None, 8) is None


def test_sniff() -> None:
    path = Path("x")
    assert ADAPTER.sniff(path, b'\xef\xbb\xbf  {"resourceSpans": []}')
    assert not ADAPTER.sniff(path, b'{"resourceMetrics": []}')
    assert not ADAPTER.sniff(path, b'[{"traceId": "a", "id": "b"}]')

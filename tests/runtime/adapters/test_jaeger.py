"""Jaeger JSON adapter: an export following the Jaeger query API's JSON model, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from preflight.runtime.adapters.jaeger import ADAPTER
from preflight.runtime.records import SourceReport, Span
from preflight.runtime.spans import SpanAggregator

START_US = 1_700_000_000_000_000


class Collected:
    """A sink that keeps spans and feeds an aggregator."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.aggregator = SpanAggregator("jaeger")

    def span(self, span: Span) -> None:
        self.spans.append(span)
        self.aggregator.add(span)

    def row(self, table: str, row: dict[str, Any]) -> None:
        raise AssertionError("trace adapters produce spans only")


def _tag(key: str, value: Any) -> dict[str, Any]:
    kind = {bool: "bool", int: "int64", float: "float64"}.get(type(value), "string")
    return {"key": key, "type": kind, "value": value}


def _span(trace: str, span: str, parent: str | None, process: str, name: str, offset_us: int, duration_us: int,
          *tags: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    references = [{"refType": "CHILD_OF", "traceID": trace, "spanID": parent}] if parent else []
    return {
        "traceID": trace,
        "spanID": span,
        "operationName": name,
        "references": references,
        "startTime": START_US + offset_us,
        "duration": duration_us,
        "tags": list(tags),
        "logs": [],
        "processID": process,
        "warnings": None,
    }


def _trace(trace: str, fail: bool) -> dict[str, Any]:
    """frontend GET /cart -> load (code attrs) -> client -> checkout POST /pay -> charge (error when fail)."""
    failure = [_tag("error", True)] if fail else []
    spans = [
        _span(trace, "a1", None, "p1", "GET /cart", 0, 10_000, _tag("span.kind", "server"),
              _tag("http.method", "GET"), _tag("http.route", "/cart")),
        _span(trace, "a2", "a1", "p1", "load", 100, 9_000, _tag("code.function", "load"),
              _tag("code.namespace", "shop.cart"), _tag("code.lineno", 10), _tag("code.filepath", "/app/cart.py")),
        _span(trace, "a3", "a2", "p1", "POST", 200, 8_000, _tag("span.kind", "client"), _tag("peer.service", "pay")),
        _span(trace, "b1", "a3", "p2", "POST /pay", 300, 7_000, _tag("span.kind", "server"),
              _tag("http.request.method", "POST"), _tag("http.route", "/pay"), *failure),
        _span(trace, "b2", "b1", "p2", "charge", 400, 6_000, _tag("code.function.name", "pay.charge.run"),
              *([_tag("otel.status_code", "ERROR")] if fail else [])),
    ]  # fmt: skip
    processes = {
        "p1": {"serviceName": "frontend", "tags": [_tag("hostname", "web-1")]},
        "p2": {"serviceName": "checkout", "tags": []},
    }
    return {"traceID": trace, "spans": spans, "processes": processes, "warnings": None}


def _read(path: Path) -> tuple[SourceReport, Collected]:
    sink = Collected()
    return ADAPTER.read(path, sink), sink


def test_export_becomes_exact_tables(tmp_path: Path) -> None:
    path = tmp_path / "jaeger.json"
    document = {
        "data": [_trace("t1", fail=False), _trace("t2", fail=True)],
        "total": 0,
        "limit": 0,
        "errors": None,
    }
    path.write_text(json.dumps(document, indent=2))
    assert ADAPTER.sniff(path, path.read_bytes()[:65536])

    report, sink = _read(path)

    assert (report.rows_read, report.rejected) == (10, {})
    assert report.window_start_ns == START_US * 1000
    assert report.window_end_ns == (START_US + 10_000) * 1000
    tables = sink.aggregator.tables()
    functions = tables["functions"].set_index(["service", "qualname"])
    assert sorted(functions.index) == [("checkout", "pay.charge.run"), ("frontend", "shop.cart.load")]
    load = functions.loc[("frontend", "shop.cart.load")]
    assert (load["calls"], load["file_path"], load["line"], load["source"]) == (
        2,
        "/app/cart.py",
        10,
        "jaeger",
    )
    assert abs(load["p50_ms"] - 9.0) <= 0.09
    assert functions.loc[("checkout", "pay.charge.run"), "error_rate"] == 0.5

    endpoints = tables["endpoints"].set_index(["service", "route"])
    assert endpoints.loc[("frontend", "GET /cart"), "requests"] == 2
    assert endpoints.loc[("checkout", "POST /pay"), "error_rate"] == 0.5

    (edge,) = tables["edges"].itertuples()
    assert (edge.caller_service, edge.callee_service, edge.caller_function) == (
        "frontend",
        "checkout",
        "shop.cart.load",
    )
    assert (edge.calls, edge.calls_per_caller_request, edge.error_rate) == (2, 1.0, 0.0)
    assert abs(edge.p99_ms - 8.0) <= 0.08

    reached = {(r.service, r.qualname, r.route): r.calls for r in tables["function_endpoints"].itertuples()}
    assert reached == {
        ("frontend", "shop.cart.load", "GET /cart"): 2,
        ("checkout", "pay.charge.run", "POST /pay"): 2,
    }


def test_other_shapes_json_lines_and_bare_traces(tmp_path: Path) -> None:
    trace = _trace("t1", fail=False)
    path = tmp_path / "traces.jsonl"
    path.write_text(json.dumps(trace) + "\n" + json.dumps([_trace("t2", fail=False)]) + "\n")
    report, sink = _read(path)
    assert (report.rows_read, report.rejected, len(sink.spans)) == (10, {}, 10)


def test_bad_rows_are_counted(tmp_path: Path) -> None:
    spans = [
        _span("t", "s1", None, "p1", "ok", 0, 5),
        {**_span("t", "s2", None, "p1", "x", 0, 5), "startTime": str(START_US)},  # string where int expected
        _span("t", "s3", None, "p1", "x", 0, -5),
        {**_span("t", "s4", None, "p1", "x", 0, 5), "spanID": None},
        {**_span("t", "s5", None, "p1", "x", 0, 5), "traceID": 7},
        _span("t", "s6", None, "nope", "x", 0, 5),
        _span("t", "s7", None, "p1", "x", 0, 5, _tag("code.function.name", "f" * 5000)),
        {**_span("t", "s8", None, ["p1"], "x", 0, 5), "references": "x", "tags": {"a": 1}},  # type: ignore[arg-type]
        42,
        {**_span("t", "s9", None, "zz", "follows", 0, 5), "process": {"serviceName": "embedded"},
         "references": [{"refType": "FOLLOWS_FROM", "traceID": "t", "spanID": "S1"}]},
    ]  # fmt: skip
    document = {
        "data": [{"traceID": "t", "spans": spans, "processes": {"p1": {"serviceName": "svc"}}}, "junk"]
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))

    report, sink = _read(path)

    assert report.rejected == {
        "bad timestamp": 1,
        "end before start": 1,
        "missing span id": 1,
        "missing trace id": 1,
        "missing service name (kept as unknown_service)": 2,
        "attribute value too large": 1,
        "not a span object": 1,
        "not a Jaeger trace object": 1,
    }
    assert report.rows_read == 11
    kept = {span.span_id: span for span in sink.spans}
    assert sorted(kept) == ["s1", "s6", "s7", "s8", "s9"]
    assert kept["s6"].service == "unknown_service"
    assert kept["s7"].function is None
    assert (kept["s9"].service, kept["s9"].parent_id) == ("embedded", "s1")
    assert kept["s1"].kind == "internal"


def test_legacy_parent_span_id(tmp_path: Path) -> None:
    span = {**_span("t", "c", None, "p1", "x", 0, 5), "parentSpanID": "P"}
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps({"data": [{"spans": [span], "processes": {"p1": {"serviceName": "svc"}}}]}))
    _, sink = _read(path)
    assert sink.spans[0].parent_id == "p"


def test_sniff() -> None:
    path = Path("x")
    assert ADAPTER.sniff(path, b'{"data": [{"traceID": "a", "spans": [{"spanID": "b"}], "processes": {}}]}')
    assert not ADAPTER.sniff(path, b'{"resourceSpans": [{"traceId": "a", "spanId": "b"}]}')
    assert not ADAPTER.sniff(path, b'[{"traceId": "a", "id": "b"}]')
    assert not ADAPTER.sniff(path, b"traceID spanID")

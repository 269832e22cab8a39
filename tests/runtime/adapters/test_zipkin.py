"""Zipkin v2 JSON adapter: spans following the published v2 model (incl. B3 shared spans), and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from preflight.runtime.adapters.zipkin import ADAPTER
from preflight.runtime.records import SourceReport, Span
from preflight.runtime.spans import SpanAggregator

START_US = 1_700_000_000_000_000


class Collected:
    """A sink that keeps spans and feeds an aggregator."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.aggregator = SpanAggregator("zipkin")

    def span(self, span: Span) -> None:
        self.spans.append(span)
        self.aggregator.add(span)

    def row(self, table: str, row: dict[str, Any]) -> None:
        raise AssertionError("trace adapters produce spans only")


def _span(trace: str, span: str, parent: str | None, service: str, name: str, duration_us: int,
          kind: str | None = None, **tags: str) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {
        "traceId": trace,
        "id": span,
        "name": name,
        "timestamp": START_US,
        "duration": duration_us,
        "localEndpoint": {"serviceName": service, "ipv4": "10.0.0.1"},
        "tags": {key.replace("_", "."): value for key, value in tags.items()},
    }
    if parent:
        out["parentId"] = parent
    if kind:
        out["kind"] = kind
    return out


def _trace(trace: str, shared: bool) -> list[dict[str, Any]]:
    """frontend GET /cart -> load -> CLIENT -> checkout POST /pay -> pay.run; B3 shared ids when shared."""
    server_id = "f3" if shared else "c1"
    server = _span(trace, server_id, "f2" if shared else "f3", "checkout", "post /pay", 7_000, "SERVER",
                   http_request_method="POST", http_route="/pay")  # fmt: skip
    if shared:
        server["shared"] = True
    else:
        server["tags"]["error"] = ""  # Zipkin marks errors by the presence of the tag
    client = _span(trace, "f3", "f2", "frontend", "post", 8_000, "CLIENT")
    client["remoteEndpoint"] = {"serviceName": "checkout"}
    return [
        _span(trace, "f1", None, "frontend", "get /cart", 10_000, "SERVER", http_method="GET", http_route="/cart"),
        _span(trace, "f2", "f1", "frontend", "load", 9_000, code_function_name="shop.cart.load",
              code_file_path="/app/cart.py", code_line_number="10"),
        client,
        server,
        _span(trace, "c2", server_id, "checkout", "run", 6_000, code_function_name="pay.run"),
    ]  # fmt: skip


def _read(path: Path) -> tuple[SourceReport, Collected]:
    sink = Collected()
    return ADAPTER.read(path, sink), sink


def test_spans_become_exact_tables(tmp_path: Path) -> None:
    database = _span("0" * 15 + "1", "f4", "f1", "frontend", "select", 1_000, "CLIENT")
    database["remoteEndpoint"] = {"serviceName": "db"}
    spans = [*_trace("0" * 15 + "1", shared=False), database, *_trace("ABCDEF" + "0" * 26, shared=True)]
    path = tmp_path / "zipkin.json"
    path.write_text(json.dumps(spans))
    assert ADAPTER.sniff(path, path.read_bytes()[:65536])

    report, sink = _read(path)

    assert (report.rows_read, report.rejected) == (11, {})
    tables = sink.aggregator.tables()
    functions = tables["functions"].set_index(["service", "qualname"])
    assert sorted(functions.index) == [("checkout", "pay.run"), ("frontend", "shop.cart.load")]
    load = functions.loc[("frontend", "shop.cart.load")]
    assert (load["calls"], load["file_path"], load["line"], load["source"]) == (
        2,
        "/app/cart.py",
        10,
        "zipkin",
    )

    endpoints = tables["endpoints"].set_index(["service", "route"])
    assert endpoints.loc[("frontend", "GET /cart"), "requests"] == 2
    assert endpoints.loc[("checkout", "POST /pay"), "requests"] == 2
    assert endpoints.loc[("checkout", "POST /pay"), "error_rate"] == 0.5

    edges = {
        (r.callee_service, r.caller_function if isinstance(r.caller_function, str) else None): (
            r.calls,
            r.calls_per_caller_request,
        )
        for r in tables["edges"].itertuples()
    }
    assert edges == {("checkout", "shop.cart.load"): (2, 1.0), ("db", None): (1, 0.5)}

    # The shared server half's child still runs under its endpoint.
    reached = {(r.service, r.qualname, r.route): r.calls for r in tables["function_endpoints"].itertuples()}
    assert reached == {
        ("frontend", "shop.cart.load", "GET /cart"): 2,
        ("checkout", "pay.run", "POST /pay"): 2,
    }


def test_list_of_traces_and_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    path.write_text(
        json.dumps([_trace("1" * 16, shared=False)]) + "\n" + json.dumps(_trace("2" * 16, False)) + "\n"
    )
    report, sink = _read(path)
    assert (report.rows_read, report.rejected, len(sink.spans)) == (10, {}, 10)


def test_bad_rows_are_counted(tmp_path: Path) -> None:
    ok = _span("t", "s1", None, "svc", "ok", 5)
    spans = [
        ok,
        {**ok, "id": "s2", "timestamp": str(START_US)},  # string where int expected
        {**ok, "id": "s3", "duration": -1},
        {key: value for key, value in ok.items() if key != "duration"},
        {**ok, "id": None},
        {**ok, "traceId": ["t"]},
        {**ok, "id": "s4", "kind": ["SERVER"], "localEndpoint": None},
        {**ok, "id": "s5", "tags": {"code.function.name": "f" * 5000, "error": "e" * 5000}},
        "span",
    ]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spans))

    report, sink = _read(path)

    assert report.rejected == {
        "bad timestamp": 1,
        "end before start": 1,
        "missing duration": 1,
        "missing span id": 1,
        "missing trace id": 1,
        "missing service name (kept as unknown_service)": 1,
        "attribute value too large": 1,
        "not a span object": 1,
    }
    assert report.rows_read == 9
    kept = {span.span_id: span for span in sink.spans}
    assert sorted(kept) == ["s1", "s4", "s5"]
    assert (kept["s4"].kind, kept["s4"].service) == ("internal", "unknown_service")
    assert (kept["s5"].function, kept["s5"].error) == (None, True)


def test_sniff() -> None:
    path = Path("x")
    assert ADAPTER.sniff(path, b' [{"traceId": "a", "id": "b", "name": "x"}]')
    assert not ADAPTER.sniff(path, b'{"traceId": "a", "id": "b"}')
    assert not ADAPTER.sniff(path, b'[{"resourceSpans": [{"traceId": "a", "spanId": "b", "id": 1}]}]')

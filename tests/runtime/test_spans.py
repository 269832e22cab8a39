"""SpanAggregator: percentiles, edges, endpoint reach, rates, LRU eviction and the table schema."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd
import pytest

from preflight.runtime import schema
from preflight.runtime.records import Span
from preflight.runtime.spans import SpanAggregator, bucket, quantile_ms

T0 = 1_700_000_000_000_000_000
MS = 1_000_000


def span(trace: str, span_id: str, parent: str | None, service: str, kind: str = "internal", *,
         start: int = 0, duration_ms: float = 1.0, error: bool = False, **fields: Any) -> Span:  # fmt: skip
    """A span starting start ns after T0."""
    return Span(trace, span_id, parent, service, fields.pop("name", span_id), kind, T0 + start,
                T0 + start + int(duration_ms * MS), error, **fields)  # fmt: skip


def rows(frame: pd.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    """Sorted rows of the given columns with missing values as None."""
    out = [
        tuple(None if v is pd.NA else v for v in row) for row in frame[list(columns)].itertuples(index=False)
    ]
    return sorted(out, key=repr)


def request(trace: str, aggregator: SpanAggregator, start: int = 0) -> None:
    """front GET /a -> handle() -> client -> back POST /b -> work() (error), plus a client to a peer-only cache."""
    for s in (
        span(trace, "1", None, "front", "server", start=start, duration_ms=10, route="GET /a"),
        span(trace, "2", "1", "front", start=start, duration_ms=8, function="app.handle"),
        span(trace, "3", "2", "front", "client", start=start, duration_ms=6, peer_service="back"),
        span(trace, "4", "3", "back", "server", start=start, duration_ms=5, route="POST /b", error=True),
        span(trace, "5", "4", "back", start=start, duration_ms=4, function="svc.work", error=True),
        span(trace, "6", "1", "front", "client", start=start, duration_ms=1, peer_service="cache"),
        span(trace, "7", "1", "front", "client", start=start, duration_ms=1),  # callee unknown: no edge
    ):
        aggregator.add(s)


def test_tables_have_exactly_the_schema_columns_and_dtypes() -> None:
    aggregator = SpanAggregator()
    request("t", aggregator)
    for tables in (aggregator.tables(), SpanAggregator().tables()):
        for name, frame in tables.items():
            expected = schema.TABLES[name]
            assert list(frame.columns) == list(expected)
            assert [str(dtype) for dtype in frame.dtypes] == [dtype for dtype, _ in expected.values()]


def test_one_request_gives_functions_edges_endpoints_and_reach() -> None:
    aggregator = SpanAggregator()
    request("t", aggregator)
    tables = aggregator.tables()
    assert rows(tables["functions"], "service", "qualname", "calls", "error_rate", "source") == [
        ("back", "svc.work", 1, 1.0, "otlp"),
        ("front", "app.handle", 1, 0.0, "otlp"),
    ]
    assert rows(tables["endpoints"], "service", "route", "requests", "error_rate") == [
        ("back", "POST /b", 1, 1.0),
        ("front", "GET /a", 1, 0.0),
    ]
    assert rows(tables["edges"], "caller_service", "callee_service", "caller_function", "calls", "calls_per_caller_request") == [
        ("front", "back", "app.handle", 1, 1.0),
        ("front", "cache", None, 1, 1.0),
    ]  # fmt: skip
    assert rows(tables["function_endpoints"], "service", "qualname", "route", "calls") == [
        ("back", "svc.work", "POST /b", 1),
        ("front", "app.handle", "GET /a", 1),
    ]
    assert tables["functions"]["window_start"].iloc[0] == "2023-11-14T22:13:20.000Z"


def test_edges_name_the_routes_on_both_sides_and_the_time_between_the_spans() -> None:
    aggregator = SpanAggregator()
    request("t", aggregator)
    edges = aggregator.tables()["edges"]
    # front's client span took 6 ms, back's server span 5 ms: 1 ms on the wire and in queues;
    # the cache has no server span: no route and no wire time
    assert rows(edges, "callee_service", "caller_route", "callee_route", "network_p50_ms") == [
        ("back", "GET /a", "POST /b", pytest.approx(1.0, rel=0.01)),
        ("cache", "GET /a", None, None),
    ]


def test_calls_under_two_routes_are_two_edge_rows() -> None:
    aggregator = SpanAggregator()
    for trace, route in (("t1", "GET /a"), ("t2", "GET /b"), ("t3", "GET /b")):
        for s in (
            span(trace, "1", None, "front", "server", duration_ms=10, route=route),
            span(trace, "2", "1", "front", "client", duration_ms=4, peer_service="back"),
            span(trace, "3", "2", "back", "server", duration_ms=1, route="GET /x"),
        ):
            aggregator.add(s)
    edges = aggregator.tables()["edges"]
    assert rows(edges, "caller_route", "calls", "calls_per_caller_request", "network_p50_ms") == [
        ("GET /a", 1, pytest.approx(1 / 3), pytest.approx(3.0, rel=0.01)),
        ("GET /b", 2, pytest.approx(2 / 3), pytest.approx(3.0, rel=0.01)),
    ]


def test_hosts_count_each_services_spans_where_they_ran() -> None:
    aggregator = SpanAggregator()
    for i, host in enumerate(("node-1", "node-1", "node-2", None)):
        aggregator.add(span(f"t{i}", "1", None, "cart", "server", route="GET /", host=host))
    aggregator.add(span("t9", "1", None, "ads", "server", route="GET /", host="node-2"))
    assert aggregator.hosts() == {"ads": ["node-2"], "cart": ["node-1", "node-2"]}  # busiest first


def test_percentiles_within_one_percent() -> None:
    rng = random.Random(7)
    durations = [int(rng.lognormvariate(16, 1.2)) for _ in range(20_000)]  # ~9 ms median, long tail
    aggregator = SpanAggregator()
    for i, duration in enumerate(durations):
        aggregator.add(
            Span(f"t{i}", "s", None, "svc", "GET", "server", T0, T0 + duration, False, route="GET /")
        )
    (endpoint,) = aggregator.tables()["endpoints"].itertuples()
    for column, q in (("p50_ms", 50), ("p95_ms", 95), ("p99_ms", 99)):
        exact = np.percentile(durations, q, method="lower") / MS
        assert getattr(endpoint, column) == pytest.approx(exact, rel=0.01)


def test_quantile_of_zero_and_single_values() -> None:
    histogram = {bucket(0): 3, bucket(1_000_000): 1}
    assert quantile_ms(histogram, 4, 0.5) == 0.0
    assert quantile_ms(histogram, 4, 1.0) == pytest.approx(1.0, rel=0.01)
    with pytest.raises(ValueError, match="beyond"):
        quantile_ms({}, 1, 0.5)


def test_rates_use_the_window_and_at_least_one_second() -> None:
    aggregator = SpanAggregator()
    for i in range(4):  # four requests spread over two minutes
        aggregator.add(span(f"t{i}", "s", None, "svc", "server", start=i * 40 * 10**9, route="GET /"))
    (endpoint,) = aggregator.tables()["endpoints"].itertuples()
    window_min = (120 * 10**9 + MS) / 60e9
    assert endpoint.requests_per_min == pytest.approx(4 / window_min)

    burst = SpanAggregator()
    burst.add(span("t", "s", None, "svc", "server", duration_ms=2, route="GET /"))
    assert burst.tables()["endpoints"]["requests_per_min"].tolist() == [60.0]


def test_client_span_without_child_uses_peer_service_and_nested_clients_count_once() -> None:
    aggregator = SpanAggregator()
    for s in (
        span("t", "1", None, "job", function="jobs.nightly"),
        span("t", "2", "1", "job", "client", peer_service="api"),  # no child in the trace
        span("t", "3", "1", "job", "client", function="lib.http.send", peer_service="api"),
        span("t", "4", "3", "job", "client", peer_service="10.0.0.7"),  # urllib3 inside requests
        span("t", "5", "4", "api", "server", route="GET /x"),
    ):
        aggregator.add(s)
    edges = aggregator.tables()["edges"]
    assert rows(edges, "caller_service", "callee_service", "caller_function", "calls", "calls_per_caller_request") == [
        ("job", "api", "jobs.nightly", 1, None),
        ("job", "api", "lib.http.send", 1, None),  # the inner client span, under the outer one's function
    ]  # fmt: skip


def test_lru_eviction_gives_the_same_tables_for_contiguous_traces() -> None:
    def build(aggregator: SpanAggregator) -> dict[str, pd.DataFrame]:
        for i in range(200):
            request(f"t{i}", aggregator, start=i * 10**9)
        return aggregator.tables()

    unlimited = build(SpanAggregator())
    for small in (SpanAggregator(max_open_traces=2), SpanAggregator(max_open_spans=10)):
        tables = build(small)
        for name, frame in unlimited.items():
            pd.testing.assert_frame_equal(tables[name], frame)
    assert unlimited["functions"]["calls"].tolist() == [200, 200]


def test_interleaved_traces_within_the_lru_are_exact_and_duplicates_dropped() -> None:
    a, b = SpanAggregator(max_open_traces=2), SpanAggregator()
    spans_a = [span("x", str(i), str(i - 1) if i else None, "svc", function=f"f{i}") for i in range(5)]
    spans_b = [span("y", str(i), str(i - 1) if i else None, "svc", function=f"f{i}") for i in range(5)]
    for one, two in zip(spans_a, spans_b, strict=True):
        for aggregator in (a, b):
            aggregator.add(one)
            aggregator.add(two)
            aggregator.add(one)
    pd.testing.assert_frame_equal(a.tables()["functions"], b.tables()["functions"])
    assert a.rejected == {"duplicate span": 5}


def test_rows_keep_their_source_and_file_only_code_is_a_function() -> None:
    aggregator = SpanAggregator("jaeger")
    aggregator.add(span("t1", "1", None, "svc", function="app.f"))
    aggregator.add(span("t2", "1", None, "svc", function="app.f"), "zipkin")
    aggregator.add(span("t3", "1", None, "svc", file_path="/app/m.py", line=3))
    assert rows(aggregator.tables()["functions"], "qualname", "file_path", "line", "calls", "source") == [
        ("app.f", None, None, 1, "jaeger"),
        ("app.f", None, None, 1, "zipkin"),
        (None, "/app/m.py", 3, 1, "jaeger"),
    ]


def test_parent_cycles_do_not_hang() -> None:
    aggregator = SpanAggregator()
    aggregator.add(span("t", "a", "b", "svc", function="f"))
    aggregator.add(span("t", "b", "a", "svc", "client", peer_service="other"))
    tables = aggregator.tables()
    assert rows(tables["edges"], "callee_service", "caller_function") == [("other", "f")]
    assert tables["function_endpoints"].empty

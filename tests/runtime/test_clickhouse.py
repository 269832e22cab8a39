"""collect --from clickhouse://: the pushed-down SQL, run in chDB on the exporter's table, gives
exactly the tables the file collector gives for the same OpenTelemetry SDK spans."""

from __future__ import annotations

import base64
import io
import json
import socket
from collections.abc import Iterator
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
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer, use_span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from bench.clickhouse import EXPORTER_DDL, exporter_rows, load
from preflight.commands import collect as command
from preflight.errors import InputError
from preflight.runtime import clickhouse, clickhouse_sql, snapshot
from preflight.runtime.adapters.otlp import ADAPTER
from preflight.runtime.records import Span
from preflight.runtime.spans import SpanAggregator
from tests.conftest import commit

chdb_session = pytest.importorskip("chdb.session")

T0 = 1_700_000_000 * 10**9
MS = 10**6
DEEP = 150
"""Same-service internal spans between a server span and a function: more than SMALL_TRACE,
so that trace takes the sorting path, and more than 2^7 pointer jumps."""


def _run_services() -> list[ReadableSpan]:
    """Five services (one without service.name) instrumented with the real SDK, explicit times."""
    exporter = InMemorySpanExporter()
    propagator = TraceContextTextMapPropagator()

    def tracer(service: str | None) -> Tracer:
        resource = Resource.create({"service.name": service}) if service else Resource({})
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return provider.get_tracer("test")

    gateway, catalog, pricing, mailer, anonymous = (
        tracer(name) for name in ("gateway", "catalog", "pricing", "mailer", None)
    )

    def span(t: Tracer, name: str, start_ms: float, end_ms: float, kind: SpanKind = SpanKind.INTERNAL,
             error: bool = False, context: Any = None, **attributes: Any) -> Iterator[None]:  # fmt: skip
        """Start a span, make it current for the body, end it at end_ms."""
        s = t.start_span(name, context, kind, {k.replace("_", "."): v for k, v in attributes.items()},
                         start_time=T0 + int(start_ms * MS))  # fmt: skip
        with use_span(s, end_on_exit=False):
            yield
        if error:
            s.set_status(Status(StatusCode.ERROR))
        s.end(end_time=T0 + int(end_ms * MS))

    def run(generator: Iterator[None], body: Any = None) -> None:
        next(generator)
        if body is not None:
            body()
        next(generator, None)

    def headers() -> dict[str, str]:
        carrier: dict[str, str] = {}
        propagator.inject(carrier, setter=default_setter)
        return carrier

    def serve_catalog(carrier: dict[str, str], at: float, fail: bool) -> None:
        context = propagator.extract(carrier, getter=default_getter)

        def chain(depth: int) -> None:
            if depth == DEEP:  # old-style code attributes, deep below the server span
                run(span(catalog, "fetch", at + 2, at + 3 + depth / 100, error=fail,
                         code_namespace="catalog.store", code_function="fetch", code_lineno="7"))  # fmt: skip
                return
            run(span(catalog, f"layer{depth}", at + 1, at + 4), lambda: chain(depth + 1))

        run(span(catalog, "Get", at, at + 5, SpanKind.SERVER, fail, context, rpc_service="Catalog",
                 rpc_method="Get"), lambda: chain(0))  # fmt: skip

    def request(number: int) -> None:
        at = number * 100.0
        fail = number % 4 == 3

        def handler() -> None:
            # a client span whose child runs in catalog (and which also names a peer)
            run(span(gateway, "GET", at + 1, at + 8, SpanKind.CLIENT, fail, peer_service="catalog"),
                lambda: serve_catalog(headers(), at + 2, fail))  # fmt: skip
            # an HTTP library's client span wrapping the transport's: the inner one counts the call
            carrier: dict[str, str] = {}

            def inner() -> None:
                carrier.update(headers())
                context = propagator.extract(carrier, getter=default_getter)
                run(span(pricing, "POST /quote", at + 10, at + 11 + number % 3, SpanKind.SERVER,
                         context=context, http_request_method="POST", http_route="/quote"),
                    lambda: run(span(pricing, "quote", at + 10, at + 10, code_function_name="pricing.quote")))  # fmt: skip

            run(span(gateway, "POST", at + 9, at + 14, SpanKind.CLIENT),
                lambda: run(span(gateway, "POST", at + 9, at + 13, SpanKind.CLIENT, server_address="pricing"), inner))  # fmt: skip

            # a message to another service, and calls without a child
            def consume() -> None:
                context = propagator.extract(headers(), getter=default_getter)
                run(span(mailer, "send receive", at + 20, at + 25, SpanKind.CONSUMER, context=context),
                    lambda: run(span(mailer, "send", at + 21, at + 24, code_function_name="mailer.jobs.send",
                                     code_file_path="/srv/mailer/jobs.py", code_line_number=3)))  # fmt: skip

            run(span(gateway, "send publish", at + 15, at + 16, SpanKind.PRODUCER), consume)
            run(span(gateway, "GET", at + 16, at + 17, SpanKind.CLIENT, net_peer_name="cache"))
            run(span(gateway, "GET", at + 17, at + 18, SpanKind.CLIENT))  # callee unknown: no edge

        run(span(gateway, "GET /items/{id}", at, at + 30 + number, SpanKind.SERVER, fail, http_method="GET",
                 http_route="/items/{id}"),
            lambda: run(span(gateway, "items", at + 0.5, at + 29, code_function_name="items",
                             code_namespace="gw.views", code_file_path="/app/gw/views.py", code_line_number=12),
                        handler))  # fmt: skip

    for number in range(8):
        request(number)
    # a function known only by file and line, in a process without service.name
    run(span(anonymous, "tick", 900, 901.5, code_filepath="/srv/cron.py", code_lineno=44))
    # a route too long to keep: dropped and counted, the endpoint falls back to the span name
    run(span(gateway, "GET long", 950, 951, SpanKind.SERVER, http_route="/" + "x" * 5000))
    return list(exporter.get_finished_spans())


def _otlp_json(spans: list[ReadableSpan]) -> dict[str, Any]:
    """The collector's JSON for a batch: protobuf JSON with hex ids and integer enums."""
    document: dict[str, Any] = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    for resource_spans in document["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    return document


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    spans = _run_services()
    batches = [spans[i : i + 50] for i in range(0, len(spans), 50)]
    # the exporter retried the second batch: its spans are stored twice
    return [_otlp_json(batch) for batch in [*batches, batches[1]]]


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    session = chdb_session.Session()
    yield session
    session.close()


@pytest.fixture(scope="module")
def loaded(session: Any, documents: list[dict[str, Any]]) -> clickhouse.ClickHouseTarget:
    load(session, (row for document in documents for row in exporter_rows(document)), "loaded")
    return clickhouse.ClickHouseTarget("chdb", 0, False, "loaded", "otel_traces", "default", "hunter2")


class _Sink:
    def __init__(self) -> None:
        self.aggregator = SpanAggregator("otlp")

    def span(self, span: Span) -> None:
        self.aggregator.add(span)

    def row(self, table: str, row: dict[str, Any]) -> None:
        raise AssertionError(table)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in frame.columns if frame[c].dtype == "string"]
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


EVERYTHING = clickhouse.Window(0, 2**63 - 1)


def _file_tables(
    tmp_path: Path, documents: list[dict[str, Any]]
) -> tuple[Any, SpanAggregator, dict[str, Any]]:
    path = tmp_path / "traces.jsonl"
    path.write_bytes(b"".join(orjson.dumps(document) + b"\n" for document in documents))
    sink = _Sink()
    report = ADAPTER.read(path, sink)
    return report, sink.aggregator, sink.aggregator.tables()


def _assert_same(tables: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(_sorted(tables[name]), _sorted(frame), obj=name)


def test_pushed_down_tables_equal_the_file_collectors(
    tmp_path: Path, documents: list[dict[str, Any]], session: Any, loaded: clickhouse.ClickHouseTarget
) -> None:
    file_report, aggregator, expected = _file_tables(tmp_path, documents)

    report, tables = clickhouse.pull(clickhouse.Chdb(session), loaded, EVERYTHING)

    _assert_same(tables, expected)
    assert (report.rows_read, report.window_start_ns, report.window_end_ns) == (
        file_report.rows_read,
        file_report.window_start_ns,
        file_report.window_end_ns,
    )
    assert report.rejected == file_report.rejected + aggregator.rejected
    assert set(report.rejected) == {
        "duplicate span",
        "attribute value too large",
        "missing service.name (kept as unknown_service)",
    }
    # what the scenario is there for, so a change that empties it fails here too
    assert DEEP > clickhouse_sql.SMALL_TRACE  # the full window takes the sorting lookups
    functions = expected["functions"].set_index(["service", "qualname"], drop=False)
    assert functions.loc[("catalog", "catalog.store.fetch"), "line"] == 7
    assert expected["functions"]["p50_ms"].min() == 0.0  # a zero-duration span
    reached = set(expected["function_endpoints"][["qualname", "route"]].itertuples(index=False, name=None))
    assert ("catalog.store.fetch", "Catalog/Get") in reached  # DEEP spans below its server span
    edges = set(
        expected["edges"][["caller_service", "callee_service", "caller_function"]].itertuples(
            index=False, name=None
        )
    )
    assert edges == {
        ("gateway", "catalog", "gw.views.items"),
        ("gateway", "pricing", "gw.views.items"),
        ("gateway", "mailer", "gw.views.items"),
        ("gateway", "cache", "gw.views.items"),
    }  # fmt: skip
    assert expected["edges"]["calls"].tolist() == [8] * 4  # the nested client span counted once
    assert "GET long" in set(expected["endpoints"]["route"])


def _starting_in(documents: list[dict[str, Any]], start_ns: int, end_ns: int) -> list[dict[str, Any]]:
    """The documents with only the spans that start in [start_ns, end_ns)."""
    kept = []
    for document in documents:
        copy = json.loads(json.dumps(document))
        for resource_spans in copy["resourceSpans"]:
            for scope_spans in resource_spans["scopeSpans"]:
                scope_spans["spans"] = [
                    s for s in scope_spans["spans"] if start_ns <= int(s["startTimeUnixNano"]) < end_ns
                ]
        kept.append(copy)
    return kept


@pytest.mark.parametrize(
    ("start_ms", "end_ms", "routes"),
    [
        (200, 400, {"GET /items/{id}": 2, "Catalog/Get": 2, "POST /quote": 2, "send receive": 2}),
        (900, 1000, {"GET long": 1}),  # only small traces: the SQL without the sorting lookups
    ],
)
def test_a_window_reads_the_spans_that_start_in_it(
    tmp_path: Path,
    documents: list[dict[str, Any]],
    session: Any,
    loaded: clickhouse.ClickHouseTarget,
    start_ms: int,
    end_ms: int,
    routes: dict[str, int],
) -> None:
    window = clickhouse.Window(T0 + start_ms * MS, T0 + end_ms * MS)
    file_report, _, expected = _file_tables(tmp_path, _starting_in(documents, window.start_ns, window.end_ns))

    report, tables = clickhouse.pull(clickhouse.Chdb(session), loaded, window)

    _assert_same(tables, expected)
    assert dict(zip(tables["endpoints"]["route"], tables["endpoints"]["requests"], strict=True)) == routes
    assert report.window_start_ns == file_report.window_start_ns == window.start_ns


def test_an_empty_window_is_refused(session: Any, loaded: clickhouse.ClickHouseTarget) -> None:
    with pytest.raises(
        InputError,
        match=r"no spans between 2023-11-14T22:13:19.990Z and 2023-11-14T22:13:20.000Z; widen --since",
    ):
        clickhouse.pull(clickhouse.Chdb(session), loaded, clickhouse.Window(T0 - 10 * MS, T0))


def test_a_missing_table_or_columns_is_refused_with_how_to_fix(session: Any) -> None:
    engine = clickhouse.Chdb(session)
    target = clickhouse.ClickHouseTarget("chdb", 0, False, "nowhere", "otel_traces", "default")
    with pytest.raises(InputError, match=r"no table nowhere.otel_traces; pass the exporter's database"):
        clickhouse.pull(engine, target, EVERYTHING)
    session.query("CREATE DATABASE IF NOT EXISTS odd")
    session.query("CREATE TABLE odd.otel_traces (Timestamp DateTime64(9), TraceId String, "
                  "SpanAttributes JSON, Duration Float64) ENGINE = MergeTree ORDER BY Timestamp")  # fmt: skip
    with pytest.raises(InputError) as caught:
        clickhouse.pull(
            engine, clickhouse.ClickHouseTarget("chdb", 0, False, "odd", "otel_traces", "default"), EVERYTHING
        )
    message = str(caught.value)
    assert "not the OpenTelemetry ClickHouse exporter's traces schema" in message
    assert "SpanId, ParentSpanId" in message
    assert "SpanAttributes (JSON, expected Map)" in message and "Duration (Float64, expected Int)" in message


def test_the_exporters_ddl_is_what_the_check_accepts(session: Any) -> None:
    session.query("CREATE DATABASE IF NOT EXISTS empty")
    session.query(EXPORTER_DDL.format(database="empty", table="spans"))
    target = clickhouse.ClickHouseTarget("chdb", 0, False, "empty", "spans", "default")
    with pytest.raises(InputError, match="no spans between"):
        clickhouse.pull(clickhouse.Chdb(session), target, EVERYTHING)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "clickhouse://ch.internal/otel",
            ("ch.internal", 8123, False, "otel", "otel_traces", "reader", "pw"),
        ),
        ("clickhouses://bob:s%40cret@ch:9443/db/spans", ("ch", 9443, True, "db", "spans", "bob", "s@cret")),
        ("clickhouse://alice@ch", ("ch", 8123, False, "default", "otel_traces", "alice", "pw")),
    ],
)
def test_urls(url: str, expected: tuple[Any, ...]) -> None:
    environ = {clickhouse.ENV_USER: "reader", clickhouse.ENV_PASSWORD: "pw"}
    target = clickhouse.parse_url(url, environ)
    assert (target.host, target.port, target.secure, target.database, target.table, target.username,
            target.password) == expected  # fmt: skip
    assert target.password not in repr(target) + target.display()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://bob:hunter2@ch/otel", "unknown scheme 'http'"),
        ("clickhouse://bob:hunter2@/otel", "no host"),
        ("clickhouse://bob:hunter2@ch:99999/otel", "port is not a number"),
        ("clickhouse://bob:hunter2@ch/otel/spans/extra", "too many path segments"),
        ("clickhouse://bob:hunter2@ch/otel?secure=1", "no ?query"),
    ],
)
def test_bad_urls_say_what_is_expected_without_the_password(url: str, why: str) -> None:
    with pytest.raises(InputError) as caught:
        clickhouse.parse_url(url, {})
    message = str(caught.value)
    assert why in message and "expected clickhouse://[USER@]HOST" in message
    assert "hunter2" not in message and "bob:***@" in message


NOW = pd.Timestamp("2024-05-02T12:00:00Z").to_pydatetime()


def test_windows() -> None:
    day = clickhouse.window(None, None, None, NOW)
    assert (day.end_ns - day.start_ns, day.end_ns) == (86400 * 10**9, int(NOW.timestamp()) * 10**9)
    assert clickhouse.window("90s", None, None, NOW).start_ns == day.end_ns - 90 * 10**9
    explicit = clickhouse.window(None, "2024-05-01T00:00:00", "2024-05-01T06:00:00+02:00", NOW)
    assert explicit.end_ns - explicit.start_ns == 4 * 3600 * 10**9


@pytest.mark.parametrize(
    ("since", "start", "end", "message"),
    [
        ("1h", "2024-05-01", None, "--since or --window-start, not both"),
        ("24 hours", None, None, "--since '24 hours': expected a positive duration"),
        ("0m", None, None, "expected a positive duration"),
        (None, "yesterday", None, "--window-start 'yesterday': expected an ISO 8601 time"),
        (None, "2024-05-03T00:00:00Z", None, "not before its end"),
    ],
)
def test_bad_windows(since: str | None, start: str | None, end: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        clickhouse.window(since, start, end, NOW)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_server_is_an_input_error_that_hides_the_password() -> None:
    pytest.importorskip("clickhouse_connect")
    target = clickhouse.parse_url(f"clickhouse://bob:hunter2@127.0.0.1:{_free_port()}/otel", {})
    with pytest.raises(InputError) as caught, clickhouse.connect(target):
        pass
    message = str(caught.value)
    assert message.startswith(
        f"cannot connect to clickhouse://bob@127.0.0.1:{target.port}/otel/otel_traces: "
    )
    assert "hunter2" not in message and "$PREFLIGHT_CLICKHOUSE_PASSWORD" in message


def test_collect_from_clickhouse_writes_the_snapshot_a_file_collect_writes(
    tmp_path: Path,
    git_repo: Path,
    documents: list[dict[str, Any]],
    session: Any,
    loaded: clickhouse.ClickHouseTarget,
) -> None:
    commit(
        git_repo,
        {"gw/views.py": "def items():\n    return 1\n", "catalog/store.py": "def fetch():\n    pass\n"},
    )
    path = tmp_path / "traces.jsonl"
    path.write_bytes(b"".join(orjson.dumps(document) + b"\n" for document in documents))
    from_file, from_clickhouse = tmp_path / "file", tmp_path / "clickhouse"
    command.run(command.CollectRequest((path,), from_file, git_repo), io.StringIO(), {}, now=NOW)
    out = io.StringIO()

    def connect(target: clickhouse.ClickHouseTarget) -> Any:
        assert (target.database, target.password) == ("loaded", "hunter2")
        return _Open(clickhouse.Chdb(session))

    request = command.CollectRequest(
        (),
        from_clickhouse,
        git_repo,
        clickhouse_url="clickhouse://ch/loaded",
        window_start="2023-11-14T00:00:00Z",
    )
    code = command.run(request, out, {clickhouse.ENV_PASSWORD: "hunter2"}, now=NOW, connect=connect)

    assert code == 0
    written, expected = snapshot.read(from_clickhouse), snapshot.read(from_file)
    for name in expected.tables:
        pd.testing.assert_frame_equal(_sorted(written.table(name)), _sorted(expected.table(name)), obj=name)
    assert written.meta["resolution"] == expected.meta["resolution"]
    assert written.meta["resolution"]["resolved"] == 2
    assert written.meta["sources"][0]["path"] == "clickhouse://default@ch:8123/loaded/otel_traces"
    assert written.meta["sources"][0]["format"] == "clickhouse"
    assert "clickhouse clickhouse://default@ch:8123/loaded/otel_traces: " in out.getvalue()
    text = out.getvalue() + (from_clickhouse / "meta.json").read_text()
    assert "hunter2" not in text
    assert json.loads((from_clickhouse / "meta.json").read_text())["window_start"].startswith(
        "2023-11-14T22:13:20"
    )


class _Open:
    """A context manager around an engine (what clickhouse.connect gives, for chDB)."""

    def __init__(self, engine: clickhouse.Engine) -> None:
        self.engine = engine

    def __enter__(self) -> clickhouse.Engine:
        return self.engine

    def __exit__(self, *exc: object) -> None:
        return None


def test_window_options_need_from_and_sources_or_from_are_needed(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="pass --from too"):
        command.run(command.CollectRequest((tmp_path,), tmp_path / "out", since="1h"), io.StringIO(), {})
    with pytest.raises(InputError, match="nothing to collect"):
        command.run(command.CollectRequest((), tmp_path / "out"), io.StringIO(), {})

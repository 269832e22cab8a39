"""`collect --from clickhouse://`: the snapshot's span tables, aggregated inside ClickHouse.

Reads the table the OpenTelemetry collector's ClickHouse exporter writes (otel_traces) for one
time window; the SQL (clickhouse_sql.py) returns finished rows, which become the same DataFrames
SpanAggregator.tables() builds from files, so the rest of collect (resolution against the
repository, SLOs, the atomic write) cannot tell the two apart.

The SQL runs through `Engine`, one method wide: `Server` (clickhouse-connect, a real server over
HTTP) or `Chdb` (chDB, ClickHouse in-process, which the tests use). Both are imported lazily.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

from preflight import extras
from preflight.errors import InputError
from preflight.runtime import clickhouse_sql as sql
from preflight.runtime import schema
from preflight.runtime.records import SourceReport
from preflight.runtime.spans import _INV_LOG_GAMMA, _ZERO_BUCKET, MIN_WINDOW_S, _frame, _iso, bucket_ms

if TYPE_CHECKING:
    import pandas as pd

ENV_USER = "PREFLIGHT_CLICKHOUSE_USER"
ENV_PASSWORD = "PREFLIGHT_CLICKHOUSE_PASSWORD"
DEFAULT_TABLE = "otel_traces"
DEFAULT_SINCE = "24h"
FORMAT = "clickhouse"
"""The format name in the collect report; the rows themselves say `otlp`, the data they came from."""
_PORTS = {"clickhouse": (8123, False), "clickhouses": (8443, True)}
_URL_FORM = "clickhouse://[USER@]HOST[:PORT]/DATABASE[/TABLE] (clickhouses:// for HTTPS)"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True, slots=True)
class ClickHouseTarget:
    """Where the spans are: a ClickHouse server's HTTP interface and the exporter's table."""

    host: str
    port: int
    secure: bool
    database: str
    table: str
    username: str
    password: str = field(default="", repr=False)
    """From the URL or $PREFLIGHT_CLICKHOUSE_PASSWORD; never printed."""

    def display(self) -> str:
        """The URL without the password, for reports and messages."""
        scheme = "clickhouses" if self.secure else "clickhouse"
        return f"{scheme}://{self.username}@{self.host}:{self.port}/{self.database}/{self.table}"


@dataclass(frozen=True, slots=True)
class Window:
    """The spans to read: Timestamp (span start) in [start_ns, end_ns)."""

    start_ns: int
    end_ns: int


def redact(url: str) -> str:
    """url with any password replaced by ***."""
    return re.sub(r"(//[^/@:]*):[^/@]*@", r"\1:***@", url)


def parse_url(url: str, environ: Mapping[str, str]) -> ClickHouseTarget:
    """A clickhouse:// URL -> ClickHouseTarget; user and password may come from the environment instead."""
    shown = redact(url)

    def bad(why: str) -> InputError:
        return InputError(f"--from {shown}: {why}; expected {_URL_FORM}")

    parts = urlsplit(url)
    if parts.scheme not in _PORTS:
        raise bad(f"unknown scheme {parts.scheme!r}")
    if not parts.hostname:
        raise bad("no host")
    try:
        port = parts.port
    except ValueError:
        raise bad("the port is not a number from 1 to 65535") from None
    if parts.query or parts.fragment:
        raise bad("no ?query or #fragment is read")
    path = [unquote(p) for p in parts.path.split("/") if p]
    if len(path) > 2:
        raise bad("too many path segments")
    default_port, secure = _PORTS[parts.scheme]
    return ClickHouseTarget(
        host=parts.hostname,
        port=port or default_port,
        secure=secure,
        database=path[0] if path else "default",
        table=path[1] if len(path) > 1 else DEFAULT_TABLE,
        username=unquote(parts.username) if parts.username else environ.get(ENV_USER, "default"),
        password=unquote(parts.password) if parts.password is not None else environ.get(ENV_PASSWORD, ""),
    )


def window(since: str | None, start: str | None, end: str | None, now: datetime.datetime) -> Window:
    """The window from --since (a duration back from --window-end) or --window-start; end defaults to now."""
    if since is not None and start is not None:
        raise InputError("pass --since or --window-start, not both")
    until = _instant("--window-end", end) if end is not None else now
    if start is not None:
        begin = _instant("--window-start", start)
    else:
        begin = until - datetime.timedelta(seconds=_seconds(since or DEFAULT_SINCE))
    if begin >= until:
        raise InputError(f"the window starts at {begin.isoformat()}, not before its end {until.isoformat()}")
    return Window(_ns(begin), _ns(until))


def _seconds(text: str) -> float:
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if found is None or float(found[1]) <= 0:
        raise InputError(f"--since {text!r}: expected a positive duration like 90s, 30m, 24h, 7d or 2w")
    return float(found[1]) * _UNITS[found[2]]


def _instant(option: str, text: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{option} {text!r}: expected an ISO 8601 time like 2024-05-01T00:00:00Z (UTC when no offset)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _ns(moment: datetime.datetime) -> int:
    delta = moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000


class Engine(Protocol):
    """Runs one SQL statement with {name:Type} parameters and returns its rows."""

    def rows(self, query: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of the result, as tuples in the SELECT's column order."""
        ...


class Server:
    """A ClickHouse server through clickhouse-connect (HTTP); errors become InputError."""

    def __init__(
        self, target: ClickHouseTarget, connect_timeout_s: float = 10, query_timeout_s: float = 600
    ) -> None:
        """Connect (clickhouse-connect asks the server for its version, so a bad target fails here)."""
        extras.need("clickhouse", "--from clickhouse://")
        import clickhouse_connect

        self.target = target
        # It logs each failed request on top of raising; the InputError below says it once.
        logging.getLogger("clickhouse_connect").setLevel(logging.CRITICAL)
        with self._errors("cannot connect to"):
            self.client = clickhouse_connect.get_client(
                host=target.host,
                port=target.port,
                username=target.username,
                password=target.password,
                secure=target.secure,
                connect_timeout=connect_timeout_s,
                send_receive_timeout=query_timeout_s,
            )

    def rows(self, query: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The query's rows; a server error (permissions, limits, timeouts) becomes InputError."""
        with self._errors("query failed on"):
            return [tuple(row) for row in self.client.query(query, parameters=dict(params)).result_rows]

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self.client.close()

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        from clickhouse_connect.driver.exceptions import Error

        try:
            yield
        except Error as e:
            message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            if self.target.password:
                message = message.replace(self.target.password, "***")
            raise InputError(
                f"{doing} {self.target.display()}: {message}; check the host, port, user and "
                f"${ENV_PASSWORD}, and that the user may read system.columns and the table"
            ) from None


class Chdb:
    """ClickHouse in-process (chDB), over an open chdb.session.Session."""

    def __init__(self, session: Any) -> None:
        """session: a chdb.session.Session holding the table."""
        self.session = session

    def rows(self, query: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The query's rows, through Arrow so types match clickhouse-connect's."""
        table = self.session.query(query, "ArrowTable", params=dict(params))
        return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


@contextmanager
def connect(target: ClickHouseTarget) -> Iterator[Server]:
    """A Server engine for target, closed on exit."""
    server = Server(target)
    try:
        yield server
    finally:
        server.close()


def pull(
    engine: Engine, target: ClickHouseTarget, span: Window
) -> tuple[SourceReport, dict[str, pd.DataFrame]]:
    """Check the table, count the window's spans, run the aggregation; return the report and tables."""
    where = {"database": target.database, "table": target.table}
    _check_columns(engine.rows(sql.COLUMNS, where), target)
    params = {**where, "start_ns": span.start_ns, "end_ns": span.end_ns}
    report, largest_trace = _summary(engine.rows(sql.SUMMARY, params), target)
    if report.window_start_ns is None or report.window_end_ns is None:
        raise InputError(
            f"{target.display()}: no spans between {_iso(span.start_ns)} and {_iso(span.end_ns)}; "
            "widen --since (or --window-start/--window-end), or check that the exporter writes to this table"
        )
    rows = engine.rows(
        sql.tables_sql(largest_trace),
        {**params, "inv_log_gamma": _INV_LOG_GAMMA, "zero_bucket": _ZERO_BUCKET},
    )
    return report, tables(rows, report.window_start_ns, report.window_end_ns)


def _check_columns(rows: list[tuple[Any, ...]], target: ClickHouseTarget) -> None:
    if not rows:
        raise InputError(
            f"{target.display()}: no table {target.database}.{target.table}; pass the exporter's "
            f"database and traces_table_name as clickhouse://HOST/DATABASE/TABLE"
        )
    types = {str(name): str(kind) for name, kind in rows}
    wrong = [
        f"{name} ({types[name]}, expected {want.rstrip('(')})" if name in types else name
        for name, want in sql.REQUIRED_COLUMNS.items()
        if want not in types.get(name, "")
    ]
    if wrong:
        raise InputError(
            f"{target.display()}: not the OpenTelemetry ClickHouse exporter's traces schema: "
            f"{', '.join(wrong)}; point --from at the table the exporter creates (its JSON-typed "
            "variant is not supported)"
        )


def _summary(rows: list[tuple[Any, ...]], target: ClickHouseTarget) -> tuple[SourceReport, int]:
    (read, *rejected, missing_service, too_large, duplicates, start, end, largest) = rows[0]
    report = SourceReport(target.display(), FORMAT, rows_read=int(read))
    for reason, count in zip(sql.REJECTIONS, rejected, strict=True):
        if count:
            report.reject(reason, int(count))
    if missing_service:
        report.reject("missing service.name (kept as unknown_service)", int(missing_service))
    if too_large:
        report.reject("attribute value too large", int(too_large))
    if duplicates:
        report.reject("duplicate span", int(duplicates))
    if read > sum(rejected):
        report.observe(int(start), int(end))
    return report, int(largest or 0)


def tables(rows: list[tuple[Any, ...]], start_ns: int, end_ns: int) -> dict[str, pd.DataFrame]:
    """The aggregation's rows -> functions, edges, endpoints, function_endpoints (SpanAggregator.tables' shape)."""
    minutes = max((end_ns - start_ns) / 1e9, MIN_WINDOW_S) / 60
    window_columns = {"window_start": _iso(start_ns), "window_end": _iso(end_ns)}
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in sql.FACT_TABLES.values()}
    requests: dict[str, int] = {}
    wire: dict[tuple[Any, ...], float] = {}
    for tbl, k1, k2, k3, k4, k5, k6, calls, errors, p50, p95, p99, file_low, line, file_any in rows:
        name = sql.FACT_TABLES[tbl]
        if name == "wire":
            wire[(k1, k2, k3, k5, k6)] = bucket_ms(p50)
            continue
        if name == "function_endpoints":
            out[name].append({"service": k1, "qualname": k2, "route": k3, "calls": calls})
            continue
        column = "requests" if name == "endpoints" else "calls"
        stats = {
            column: calls,
            f"{column}_per_min": calls / minutes,
            "p50_ms": bucket_ms(p50),
            "p95_ms": bucket_ms(p95),
            "p99_ms": bucket_ms(p99),
            "error_rate": errors / calls,
            "source": "otlp",
        }
        if name == "functions":
            where = (k3, k4) if k2 is None else (file_low if line is not None else file_any, line)
            row = {"service": k1, "qualname": k2, "file_path": where[0], "line": where[1]}
            out[name].append({**row, **stats, **window_columns})
        elif name == "endpoints":
            requests[k1] = requests.get(k1, 0) + calls
            out[name].append({"service": k1, "route": k2, **stats})
        else:
            keys = {"caller_service": k1, "callee_service": k2, "caller_function": k3}
            out[name].append({**keys, **stats, "caller_route": k5, "callee_route": k6})
    for edge in out["edges"]:
        served = requests.get(edge["caller_service"], 0)
        edge["calls_per_caller_request"] = edge["calls"] / served if served else None
        key = (
            *(edge[k] for k in ("caller_service", "callee_service", "caller_function")),
            edge["caller_route"],
        )
        edge["network_p50_ms"] = wire.get((*key, edge["callee_route"]))
    out.pop("wire")
    return {name: _frame(schema.TABLES[name], rows_) for name, rows_ in out.items()}

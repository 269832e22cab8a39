"""Spans -> the functions, edges, endpoints and function_endpoints tables, in bounded memory.

Spans are buffered per trace in an LRU of open traces; a trace is finalized (its spans turned
into counts and histograms) when it is evicted or at `tables()`. Traces that arrive together,
as exporters write them, come out exactly right; a trace whose spans are further apart than
the LRU holds is finalized in fragments, which loses only the links between fragments (edges
then fall back to the client span's peer service).

Edges are rows per caller function, caller route (the server span above the call) and callee
route (the server span below it), with the calls' wire time: client-side minus server-side
duration where both spans are seen. Each span's host (k8s node or host name) is counted per
service (`hosts`).

Durations go into log-bucket histograms (the DDSketch construction): bucket i holds durations
in (gamma^(i-1), gamma^i] ns and reports 2 gamma^i / (gamma + 1), so every percentile is within
RELATIVE_ERROR (1%) of the true order statistic, with at most a few thousand buckets per row
whatever the span count.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from preflight.memory import paused_gc
from preflight.runtime import schema
from preflight.runtime.records import Span

if TYPE_CHECKING:  # pandas is imported when tables are built, so parallel readers start fast
    import pandas as pd

RELATIVE_ERROR = 0.01
_GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
_INV_LOG_GAMMA = 1 / math.log(_GAMMA)
_ZERO_BUCKET = -(1 << 40)  # durations of 0 ns, which have no logarithm
_SERVER_KINDS = frozenset({"server", "consumer"})
_CLIENT_KINDS = frozenset({"client", "producer"})
MIN_WINDOW_S = 1.0
"""Rates divide by max(window, 1 s): a burst of spans within a millisecond is not 60,000/min."""


def bucket(duration_ns: int) -> int:
    """Histogram bucket of a duration."""
    return math.ceil(math.log(duration_ns) * _INV_LOG_GAMMA) if duration_ns > 0 else _ZERO_BUCKET


def quantile_ms(histogram: dict[int, int], total: int, q: float) -> float:
    """The q-quantile (0-1) of a histogram holding total values, in milliseconds.

    Returns the value of rank floor(q * (total - 1)), numpy's method="lower", within RELATIVE_ERROR.
    """
    rank = q * (total - 1)
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen > rank:
            return bucket_ms(index)
    raise ValueError("rank beyond the histogram total")


def bucket_ms(index: int) -> float:
    """The duration a histogram bucket reports, in milliseconds."""
    return 0.0 if index == _ZERO_BUCKET else 2 * _GAMMA**index / (_GAMMA + 1) / 1e6


class _Stats:
    """Count, errors and a duration histogram for one row."""

    __slots__ = ("count", "errors", "file_path", "histogram", "line")

    def __init__(self, file_path: str | None = None, line: int | None = None) -> None:
        self.count = 0
        self.errors = 0
        self.histogram: dict[int, int] = {}
        self.file_path = file_path
        self.line = line

    def merge(self, other: _Stats) -> None:
        """Add another row's counts and histogram (from a parallel reader)."""
        self.count += other.count
        self.errors += other.errors
        histogram = self.histogram
        for index, count in other.histogram.items():
            histogram[index] = histogram.get(index, 0) + count
        if self.line is None or (other.line is not None and other.line < self.line):
            self.file_path, self.line = other.file_path or self.file_path, other.line

    def add(self, duration_ns: int, error: bool) -> None:
        self.count += 1
        if error:
            self.errors += 1
        index = math.ceil(math.log(duration_ns) * _INV_LOG_GAMMA) if duration_ns > 0 else _ZERO_BUCKET
        histogram = self.histogram
        histogram[index] = histogram.get(index, 0) + 1

    def row(self, minutes: float, count_column: str) -> dict[str, Any]:
        """The count, rate, percentile and error columns every table shares."""
        count = self.count
        return {
            count_column: count,
            f"{count_column}_per_min": count / minutes,
            "p50_ms": quantile_ms(self.histogram, count, 0.5),
            "p95_ms": quantile_ms(self.histogram, count, 0.95),
            "p99_ms": quantile_ms(self.histogram, count, 0.99),
            "error_rate": self.errors / count,
        }


def _above(span: Span, spans: dict[str, Span], memo: dict[str, str | None], want_route: bool) -> str | None:
    """From span up through its same-service ancestors: the first server/consumer route
    (want_route) or the first code function."""
    # Memoized per trace (deep traces stay linear); bounded by the trace size so a parent
    # cycle in bad data cannot loop forever.
    service = span.service
    path = []
    found = None
    current = span
    for _ in range(len(spans)):
        if want_route:
            if current.kind in _SERVER_KINDS:
                found = current.route or current.name
                break
        elif current.function is not None:
            found = current.function
            break
        path.append(current.span_id)
        parent_id = current.parent_id
        parent = spans.get(parent_id) if parent_id is not None else None
        if parent is None or parent.service != service:
            break
        if parent_id in memo:
            found = memo[parent_id]
            break
        current = parent
    for span_id in path:
        memo[span_id] = found
    return found


class SpanAggregator:
    """Turns a stream of spans (`add`) into the snapshot's span-derived tables (`tables`)."""

    def __init__(
        self, source: str = "otlp", max_open_traces: int = 20_000, max_open_spans: int = 1_000_000
    ) -> None:
        """source: format name for rows of spans added without one; the limits bound memory."""
        self.source = source
        self.max_open_traces = max_open_traces
        self.max_open_spans = max_open_spans
        self.rejected: Counter[str] = Counter()
        """Spans dropped here, by reason ('duplicate span'), for the collect report."""
        self._open: OrderedDict[str, tuple[dict[str, Span], str]] = OrderedDict()  # oldest first
        self._open_spans = 0
        self._last_id: str | None = None
        self._last_spans: dict[str, Span] = {}
        self._start_ns: int | None = None
        self._end_ns: int | None = None
        self._functions: dict[tuple[Any, ...], _Stats] = {}
        self._endpoints: dict[tuple[str, str, str], _Stats] = {}
        self._edges: dict[tuple[str, str, str, str | None, str | None, str | None], _Stats] = {}
        self._wire: dict[tuple[str, str, str, str | None, str | None, str | None], _Stats] = {}
        """Edge row -> client-side minus server-side duration of the calls whose server span is seen."""
        self._reached: Counter[tuple[str, str, str]] = Counter()
        self._hosts: Counter[tuple[str, str]] = Counter()
        """(service, host) -> spans that ran there."""

    def add(self, span: Span, source: str | None = None) -> None:
        """Buffer one span; source (default: the constructor's) names the format it came from."""
        trace_id = span.trace_id
        if trace_id == self._last_id:
            spans = self._last_spans  # the common case: a trace's spans arrive together
        else:
            trace = self._open.get(trace_id)
            if trace is None:
                if len(self._open) >= self.max_open_traces:
                    self._evict()
                trace = self._open[trace_id] = ({}, source or self.source)
            else:
                self._open.move_to_end(trace_id)
            self._last_id = trace_id
            spans = self._last_spans = trace[0]
        if span.span_id in spans:
            self.rejected["duplicate span"] += 1
            return
        spans[span.span_id] = span
        if self._start_ns is None or span.start_ns < self._start_ns:
            self._start_ns = span.start_ns
        if self._end_ns is None or span.end_ns > self._end_ns:
            self._end_ns = span.end_ns
        self._open_spans += 1
        if self._open_spans > self.max_open_spans:
            self._evict()

    def _evict(self) -> None:
        # OrderedDict, not dict: popping a plain dict's oldest key leaves holes that every
        # later next(iter()) rescans, which made eviction quadratic.
        trace_id, (spans, source) = self._open.popitem(last=False)
        if trace_id == self._last_id:
            self._last_id = None
        self._open_spans -= len(spans)
        self._finalize(spans, source)

    def _finalize(self, spans: dict[str, Span], source: str) -> None:
        """Fold one trace's spans into the row statistics (the per-span hot path after parsing)."""
        functions, endpoints, reached = self._functions, self._endpoints, self._reached
        clients: list[Span] = []
        callee: dict[str, Span] = {}  # client span id -> its child in another service
        nested: set[str] = set()  # client spans wrapping a same-service client span
        routes: dict[str, str | None] = {}
        hosts = self._hosts
        for span in spans.values():
            service, kind, parent_id = span.service, span.kind, span.parent_id
            if span.host is not None:
                hosts[(service, span.host)] += 1
            if parent_id is not None:
                parent = spans.get(parent_id)
                if parent is not None and parent.kind in _CLIENT_KINDS:
                    if parent.service != service:
                        callee.setdefault(parent_id, span)
                    elif kind in _CLIENT_KINDS:
                        nested.add(parent_id)
            function = span.function
            if function is not None or span.file_path is not None:
                key = (
                    (source, service, function)
                    if function
                    else (source, service, None, span.file_path, span.line)
                )
                stats = functions.get(key)
                if stats is None:
                    stats = functions[key] = _Stats(span.file_path, span.line)
                stats.add(span.end_ns - span.start_ns, span.error)
                if function is not None:
                    route = _above(span, spans, routes, True)
                    if route is not None:
                        reached[(service, function, route)] += 1
            if kind in _SERVER_KINDS:
                endpoint = (source, service, span.route or span.name)
                stats = endpoints.get(endpoint)
                if stats is None:
                    stats = endpoints[endpoint] = _Stats()
                stats.add(span.end_ns - span.start_ns, span.error)
            elif kind in _CLIENT_KINDS:
                clients.append(span)
        if clients:
            self._add_edges(clients, spans, callee, nested, routes, source)

    def _add_edges(
        self,
        clients: list[Span],
        spans: dict[str, Span],
        callee: dict[str, Span],
        nested: set[str],
        routes: dict[str, str | None],
        source: str,
    ) -> None:
        callers: dict[str, str | None] = {}
        for span in clients:
            child = callee.get(span.span_id)
            if child is not None:
                callee_service = child.service
                callee_route = (child.route or child.name) if child.kind in _SERVER_KINDS else None
            else:
                if span.span_id in nested or span.peer_service is None:
                    continue  # the inner client span counts the call; or the callee is unknown
                callee_service, callee_route = span.peer_service, None
            caller = _above(span, spans, callers, False)
            key = (
                source,
                span.service,
                callee_service,
                caller,
                _above(span, spans, routes, True),
                callee_route,
            )
            stats = self._edges.get(key)
            if stats is None:
                stats = self._edges[key] = _Stats()
            took = span.end_ns - span.start_ns
            stats.add(took, span.error)
            if child is not None:
                wire = self._wire.get(key)
                if wire is None:
                    wire = self._wire[key] = _Stats()
                wire.add(max(took - (child.end_ns - child.start_ns), 0), False)

    def flush(self) -> None:
        """Finalize every open trace (before merging or building tables)."""
        with paused_gc():
            while self._open:
                self._evict()
        self._last_id, self._last_spans = None, {}

    def merge(self, other: SpanAggregator) -> None:
        """Fold in another aggregator's finalized rows (a parallel reader of another part of the file)."""
        other.flush()
        for mine, theirs in (
            (self._functions, other._functions),
            (self._endpoints, other._endpoints),
            (self._edges, other._edges),
            (self._wire, other._wire),
        ):
            for key, stats in theirs.items():
                if key in mine:
                    mine[key].merge(stats)
                else:
                    mine[key] = stats
        self._reached.update(other._reached)
        self._hosts.update(other._hosts)
        self.rejected.update(other.rejected)
        start, end = other._start_ns, other._end_ns
        if start is not None and (self._start_ns is None or start < self._start_ns):
            self._start_ns = start
        if end is not None and (self._end_ns is None or end > self._end_ns):
            self._end_ns = end

    def hosts(self) -> dict[str, list[str]]:
        """Where each service ran (k8s node or host name), the host with the most spans first."""
        self.flush()
        found: dict[str, list[tuple[int, str]]] = {}
        for (service, host), count in self._hosts.items():
            found.setdefault(service, []).append((-count, host))
        return {service: [host for _, host in sorted(pairs)] for service, pairs in sorted(found.items())}

    def tables(self) -> dict[str, pd.DataFrame]:
        """Finalize the open traces and return functions, edges, endpoints and function_endpoints.

        Columns the spans cannot know (functions.code_path, ...) are present and missing.
        """
        self.flush()
        start, end = self._start_ns or 0, self._end_ns or 0
        minutes = max((end - start) / 1e9, MIN_WINDOW_S) / 60
        window = {"window_start": _iso(start), "window_end": _iso(end)}
        functions = []
        for key, stats in self._functions.items():
            functions.append(
                {"service": key[1], "qualname": key[2], "file_path": stats.file_path, "line": stats.line,
                 **stats.row(minutes, "calls"), **window, "source": key[0]}
            )  # fmt: skip
        endpoints = []
        requests: Counter[tuple[str, str]] = Counter()
        for (source, service, route), stats in self._endpoints.items():
            requests[(source, service)] += stats.count
            endpoints.append(
                {"service": service, "route": route, **stats.row(minutes, "requests"), "source": source}
            )
        edges = []
        for key, stats in self._edges.items():
            source, caller, callee, function, caller_route, callee_route = key
            served = requests[(source, caller)]
            wire = self._wire.get(key)
            edges.append(
                {"caller_service": caller, "callee_service": callee, "caller_function": function,
                 **stats.row(minutes, "calls"), "calls_per_caller_request": stats.count / served if served else None,
                 "source": source, "caller_route": caller_route, "callee_route": callee_route,
                 "network_p50_ms": quantile_ms(wire.histogram, wire.count, 0.5) if wire else None}
            )  # fmt: skip
        reached = [
            {"service": service, "qualname": function, "route": route, "calls": count}
            for (service, function, route), count in self._reached.items()
        ]
        return {
            "functions": _frame(schema.FUNCTIONS, functions),
            "edges": _frame(schema.EDGES, edges),
            "endpoints": _frame(schema.ENDPOINTS, endpoints),
            "function_endpoints": _frame(schema.FUNCTION_ENDPOINTS, reached),
        }


def _frame(table: dict[str, tuple[str, str]], rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows -> a DataFrame with exactly the table's columns and dtypes (absent keys are missing)."""
    import pandas as pd

    return pd.DataFrame(
        {name: pd.array([row.get(name) for row in rows], dtype=dtype) for name, (dtype, _) in table.items()}
    )


def _iso(ns: int) -> str:
    """ISO 8601 UTC, millisecond precision."""
    moment = datetime.fromtimestamp(ns / 1e9, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

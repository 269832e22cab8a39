"""Every SQL statement `collect --from clickhouse://` sends, over the OpenTelemetry collector's
ClickHouse exporter schema (table otel_traces: one row per span, attributes as Map(String, String)).

The aggregation is pushed down: ClickHouse groups the spans of the window per trace, rebuilds
each trace's structure, and returns only the finished rows of the snapshot's span tables with
their percentile buckets; spans never leave the server. The semantics are spans.py's, row for
row: the same attribute rules as the OTLP reader (tracejson.describe), the same per-trace links
(callee of a client span, nested client spans, the route and the calling function above a span
within its service) and the same log-bucket histograms, so percentiles are equal, not close.

Within a trace, spans refer to each other by id (`_lookup`, `_gather`). In traces of up to
SMALL_TRACE spans that is indexOf, whose lambda copies the captured array once per element:
O(n^2), cheap for small n, but 5 GB for one 20,000-span trace; so when the window holds a larger
trace, those are linked by sorting (key, tag, value) tuples and filling each request from the
source just before it, O(n log n). The walk up to the route or the calling function uses pointer
jumping, ceil(log2(largest trace)) rounds, so every chain is walked to its end.

Parameters are ClickHouse's server-side `{name:Type}` placeholders, bound by clickhouse-connect
and by chDB alike; nothing from the user is ever formatted into the SQL text.
"""

from __future__ import annotations

from functools import cache

from preflight.runtime.adapters.tracejson import MAX_VALUE_CHARS, WANTED

SMALL_TRACE = 128
"""Traces up to this many spans link their spans with indexOf (O(n^2)), larger ones by sorting."""

REQUIRED_COLUMNS = {
    "Timestamp": "DateTime64",
    "TraceId": "String",
    "SpanId": "String",
    "ParentSpanId": "String",
    "SpanName": "String",
    "SpanKind": "String",
    "ServiceName": "String",
    "SpanAttributes": "Map(",
    "Duration": "Int",
    "StatusCode": "String",
}
"""Columns read, and a fragment their type must contain (LowCardinality, UInt64/Int64 and codecs vary)."""

COLUMNS = """
SELECT name, type FROM system.columns
WHERE database = {database:String} AND table = {table:String}
"""

FACT_TABLES = {1: "functions", 2: "edges", 3: "endpoints", 4: "function_endpoints", 5: "wire"}
"""The `tbl` column of TABLES: which snapshot table a returned row belongs to (wire: the edges'
client-side minus server-side durations, keyed as the edge rows)."""

_TABLE = "{database:Identifier}.{table:Identifier}"
_WINDOW = (
    "Timestamp >= fromUnixTimestamp64Nano({start_ns:Int64}) "
    "AND Timestamp < fromUnixTimestamp64Nano({end_ns:Int64})"
)
_SERVER = "('server', 'consumer')"
_CLIENT = "('client', 'producer')"
_STRING = "CAST(NULL, 'Nullable(String)')"
_INT = "CAST(NULL, 'Nullable(Int64)')"
_EMPTY = "''"


def _present(key: str) -> str:
    """The attribute is there and not too long (the OTLP reader drops longer values)."""
    return f"(mapContains(SpanAttributes, '{key}') AND length(SpanAttributes['{key}']) <= {MAX_VALUE_CHARS})"


def _text(key: str) -> str:
    """The attribute as tracejson.string() sees it: a non-empty string, else NULL."""
    return f"if({_present(key)} AND SpanAttributes['{key}'] != '', SpanAttributes['{key}'], {_STRING})"


# SpanKind: the exporter writes ptrace's names, "Server" (since 2023) or "SPAN_KIND_SERVER" (before).
_KIND = "replaceOne(lower(toString(SpanKind)), 'span_kind_', '')"
_KIND_OF = f"if({_KIND} = 'unspecified', 'internal', {_KIND})"
_KNOWN_KIND = f"{_KIND} IN ('server', 'client', 'producer', 'consumer', 'internal', 'unspecified')"
_START = "toUnixTimestamp64Nano(Timestamp)"

# Why a row of the window is not a span, in the OTLP reader's words (records.SourceReport.reject).
REJECTIONS = {
    "missing trace id": "TraceId = ''",
    "missing span id": "TraceId != '' AND SpanId = ''",
    "bad timestamp": f"TraceId != '' AND SpanId != '' AND {_START} <= 0",
    "end before start": f"TraceId != '' AND SpanId != '' AND {_START} > 0 AND toInt64(Duration) < 0",
    "bad span kind": (
        f"TraceId != '' AND SpanId != '' AND {_START} > 0 AND toInt64(Duration) >= 0 AND NOT {_KNOWN_KIND}"
    ),
}
_VALID = f"TraceId != '' AND SpanId != '' AND {_START} > 0 AND toInt64(Duration) >= 0 AND {_KNOWN_KIND}"
# One row per valid span, with the Span fields of records.py (function, route, peer as in
# tracejson.describe; Map values are strings, as the exporter stores every attribute).
_SPANS = f"""
SELECT
    TraceId AS trace_id,
    SpanId AS span_id,
    ParentSpanId AS parent_id,
    if(ServiceName = '', 'unknown_service', toString(ServiceName)) AS service,
    {_KIND_OF} AS kind,
    toString(SpanName) AS name,
    StatusCode IN ('Error', 'STATUS_CODE_ERROR') AS error,
    toInt64(Duration) AS duration_ns,
    {_text("code.namespace")} AS namespace,
    {_text("code.function.name")} AS function_name,
    {_text("code.function")} AS function_old,
    multiIf(
        function_name IS NOT NULL,
        if(position(function_name, '.') = 0 AND namespace IS NOT NULL,
           concat(namespace, '.', function_name), function_name),
        function_old IS NOT NULL,
        if(namespace IS NOT NULL, concat(namespace, '.', function_old), function_old),
        {_STRING}) AS function,
    if({_text("code.file.path")} IS NOT NULL, SpanAttributes['code.file.path'],
       if({_present("code.filepath")}, SpanAttributes['code.filepath'], {_STRING})) AS file_path,
    toInt64OrNull(if({_present("code.line.number")}, SpanAttributes['code.line.number'],
                     if({_present("code.lineno")}, SpanAttributes['code.lineno'], ''))) AS line,
    {_text("http.route")} AS http_route,
    coalesce({_text("http.request.method")}, {_text("http.method")}) AS http_method,
    {_text("rpc.service")} AS rpc_service,
    {_text("rpc.method")} AS rpc_method,
    multiIf(
        kind NOT IN {_SERVER}, {_STRING},
        http_route IS NOT NULL,
        if(http_method IS NOT NULL, concat(http_method, ' ', http_route), http_route),
        rpc_service IS NOT NULL AND rpc_method IS NOT NULL, concat(rpc_service, '/', rpc_method),
        name) AS route,
    if(kind IN {_CLIENT},
       coalesce({_text("peer.service")}, {_text("server.address")}, {_text("net.peer.name")}),
       {_STRING}) AS peer,
    if(duration_ns > 0, toInt64(ceil(log(toFloat64(duration_ns)) * {{inv_log_gamma:Float64}})),
       {{zero_bucket:Int64}}) AS bucket
FROM {_TABLE}
WHERE {_WINDOW} AND {_VALID}
"""

_WANTED_KEYS = "[" + ", ".join(f"'{key}'" for key in sorted(WANTED)) + "]"

SUMMARY = f"""
SELECT
    count() AS rows_read,
    {", ".join(f"countIf({condition}) AS `{reason}`" for reason, condition in REJECTIONS.items())},
    countIf({_VALID} AND ServiceName = '') AS missing_service,
    sumIf(arrayCount(k -> length(SpanAttributes[k]) > {MAX_VALUE_CHARS}, {_WANTED_KEYS}), {_VALID})
        AS too_large,
    countIf({_VALID}) - uniqExactIf((TraceId, SpanId), {_VALID}) AS duplicates,
    minIf({_START}, {_VALID}) AS start_ns,
    maxIf({_START} + toInt64(Duration), {_VALID}) AS end_ns,
    (SELECT max(n) FROM (SELECT count() AS n FROM {_TABLE} WHERE {_WINDOW} AND {_VALID} GROUP BY TraceId))
        AS largest_trace
FROM {_TABLE}
WHERE {_WINDOW}
"""
"""Rows in the window, rejections by reason, the observed window of the valid spans, and the
number of spans of the largest trace (which decides how tables_sql links spans)."""


def _lookup(src_keys: str, src_values: str, req_keys: str, default: str, large: bool) -> str:
    """SQL for [the value of the source whose key is req_keys[i], else default, for each i].

    default must be the values' type default (0, '' or NULL), what arrayElement(a, 0) gives.
    indexOf's lambda copies the captured arrays once per element: O(n^2), fine for small traces.
    With a larger trace in the window (large), traces over SMALL_TRACE spans sort instead
    (_sorted_lookup, O(n log n)): each method gets empty arrays for the other's traces and the
    results are concatenated (`if` would evaluate both branches on every trace: its short-circuit
    skips only functions ClickHouse deems heavy). Of several sources with one key, one wins.
    """
    small = "arrayMap(k -> arrayElement({1}, indexOf({0}, k)), {2})"
    if not large:
        return small.format(src_keys, src_values, req_keys)
    mine, theirs = _split(req_keys, src_keys, src_values, req_keys)
    return f"arrayConcat({small.format(*mine)}, {_sorted_lookup(theirs[0], theirs[1], theirs[2], default)})"


def _gather(values: str, index: str, default: str, large: bool) -> str:
    """SQL for [values[index[i]] (default where index[i] is 0), for each i]."""
    small = "arrayMap(j -> arrayElement({0}, j), {1})"
    if not large:
        return small.format(values, index)
    mine, theirs = _split(index, values, index)
    positions = f"arrayEnumerate({theirs[0]})"
    return f"arrayConcat({small.format(*mine)}, {_sorted_lookup(positions, theirs[0], theirs[1], default)})"


def _split(size_of: str, *arrays: str) -> tuple[list[str], list[str]]:
    """The arrays for traces up to SMALL_TRACE spans (else empty), and for the larger ones."""
    small = [f"if(length({size_of}) <= {SMALL_TRACE}, {a}, [])" for a in arrays]
    large = [f"if(length({size_of}) > {SMALL_TRACE}, {a}, [])" for a in arrays]
    return small, large


def _sorted_lookup(src_keys: str, src_values: str, req_keys: str, default: str) -> str:
    """Sort (key, 0, value) sources and (key, i, default) requests together, fill each request
    from the source before it, keep the value when the keys match, restore request order."""
    merged = (
        f"arraySort(arrayConcat(arrayMap((k, v) -> (k, 0, v), {src_keys}, {src_values}), "
        f"arrayMap((k, i) -> (k, i, {default}), {req_keys}, arrayEnumerate({req_keys}))))"
    )
    return (
        "arrayMap(y -> y.2, arraySort(arrayFilter(y -> y.1 > 0, arrayMap((x, f) -> "
        f"(x.2, if(f.2 = 0 AND f.1 = x.1, f.3, {default})), {merged}, arrayFill(x -> x.2 = 0, {merged})))))"
    )


def _layer(inner: str, *columns: str, replace: bool = False) -> str:
    """SELECT every column of inner plus columns (or, replace=True, with columns replaced).

    Each step is its own subquery: an alias used twice would be inlined twice, and the pointer
    jumps, each using the previous one several times, would grow the query tree exponentially.
    """
    added = ",\n    ".join(columns)
    star = f"* REPLACE ({added})" if replace else f"*,\n    {added}"
    return f"SELECT {star}\nFROM ({inner})"


def tables_sql(largest_trace: int) -> str:
    """The aggregation: one row per snapshot row (tbl, keys, counts, percentile buckets).

    largest_trace (spans, from SUMMARY) bounds every ancestor chain, so ceil(log2) pointer jumps
    walk each one to its end, and says whether any trace needs the sorting lookups.
    """
    return _tables_sql(max(largest_trace - 1, 0).bit_length(), largest_trace > SMALL_TRACE)


def _traces_sql(rounds: int, large: bool) -> str:
    """One row per trace: its spans (deduplicated by span id) and, per span, the links."""
    traces = f"""
SELECT
    arrayFilter((x, u) -> u = 1, raw, arrayEnumerateUniq(arrayMap(x -> x.1, raw))) AS s,
    arrayEnumerate(s) AS idx,
    arrayMap(x -> x.3, s) AS services,
    arrayMap(x -> x.4, s) AS kinds
FROM (
    SELECT groupArray((span_id, parent_id, service, kind, function, file_path, line, peer, route,
                       bucket, error, duration_ns)) AS raw
    FROM ({_SPANS})
    GROUP BY trace_id
)
"""
    traces = _layer(
        traces, f"{_lookup('arrayMap(x -> x.1, s)', 'idx', 'arrayMap(x -> x.2, s)', '0', large)} AS parent"
    )
    traces = _layer(
        traces,
        f"{_gather('services', 'parent', _EMPTY, large)} AS parent_service",
        f"{_gather('kinds', 'parent', _EMPTY, large)} AS parent_kind",
    )
    traces = _layer(
        traces,
        f"""arrayMap((p, ps, pk, sv) -> if(p > 0 AND pk IN {_CLIENT} AND ps != sv, p, 0),
             parent, parent_service, parent_kind, services) AS cross_parent""",
        f"""arrayMap((p, ps, pk, sv, k) -> if(p > 0 AND pk IN {_CLIENT} AND ps = sv AND k IN {_CLIENT}, p, 0),
             parent, parent_service, parent_kind, services, kinds) AS nested_parent""",
        "arrayMap((p, ps, sv) -> if(p > 0 AND ps = sv, p, 0), parent, parent_service, services) AS up",
    )
    # Walks up the same-service ancestors by pointer jumping: i (found at i), 0 (none), else go on.
    traces = _layer(
        traces,
        f"{_lookup('cross_parent', 'services', 'idx', _EMPTY, large)} AS callee",
        f"{_lookup('cross_parent', 'arrayMap(x -> x.9, s)', 'idx', _STRING, large)} AS callee_route",
        f"{_lookup('cross_parent', 'arrayMap(x -> x.12, s)', 'idx', '0', large)} AS callee_took",
        f"{_lookup('nested_parent', 'arrayMap(x -> 1, s)', 'idx', '0', large)} AS nested",
        f"arrayMap((i, k, u) -> if(k IN {_SERVER}, i, u), idx, kinds, up) AS to_route",
        "arrayMap((i, x, u) -> if(x.5 IS NOT NULL, i, u), idx, s, up) AS to_caller",
    )
    for _ in range(rounds):
        traces = _layer(
            traces,
            f"{_gather('to_route', 'to_route', '0', large)} AS to_route",
            f"{_gather('to_caller', 'to_caller', '0', large)} AS to_caller",
            replace=True,
        )
    traces = _layer(
        traces,
        f"{_gather(f'arrayMap(x -> if(x.4 IN {_SERVER}, x.9, {_STRING}), s)', 'to_route', _STRING, large)} AS route_above",
        f"{_gather('arrayMap(x -> x.5, s)', 'to_caller', _STRING, large)} AS caller_above",
    )
    return traces


@cache
def _tables_sql(rounds: int, large: bool) -> str:
    # Per span: what it adds to each table, as (tbl, k1, ..., k6, bucket, error, file, line); an
    # edge is keyed by its caller function (k3), caller route (k5) and callee route (k6), and its
    # wire time (client minus server duration, when the server span is seen) is a row of tbl 5.
    fact = "tuple({tbl}, x.3, {k2}, {k3}, {k4}, {k5}, {k6}, {bucket}, {error}, x.6, x.7)"
    edge = {
        "k2": "toNullable(if(ce != '', ce, x.8))",
        "k3": "ca",
        "k4": _INT,
        "k5": "ra",
        "k6": f"if(ce != '', cr, {_STRING})",
    }
    wire = "greatest(x.12 - ct, 0)"
    wire_bucket = (
        f"if({wire} > 0, toInt64(ceil(log(toFloat64({wire})) * {{inv_log_gamma:Float64}})), "
        "{zero_bucket:Int64})"
    )
    plain = {"k5": _STRING, "k6": _STRING, "bucket": "x.10", "error": "x.11"}
    facts = f"""
SELECT arrayJoin(arrayFilter(f -> f.1 > 0, [
    {fact.format(tbl="if(x.5 IS NOT NULL OR x.6 IS NOT NULL, 1, 0)", k2="x.5",
                 k3=f"if(x.5 IS NULL, x.6, {_STRING})", k4=f"if(x.5 IS NULL, x.7, {_INT})", **plain)},
    {fact.format(tbl=f"if(x.4 IN {_CLIENT} AND (ce != '' OR (NOT ne AND x.8 IS NOT NULL)), 2, 0)",
                 bucket="x.10", error="x.11", **edge)},
    {fact.format(tbl=f"if(x.4 IN {_CLIENT} AND ce != '', 5, 0)", bucket=wire_bucket, error="0 = 1", **edge)},
    {fact.format(tbl=f"if(x.4 IN {_SERVER}, 3, 0)", k2="x.9", k3=_STRING, k4=_INT, **plain)},
    {fact.format(tbl="if(x.5 IS NOT NULL AND ra IS NOT NULL, 4, 0)", k2="x.5", k3="ra", k4=_INT, **plain)}
])) AS f
FROM ({_traces_sql(rounds, large)})
ARRAY JOIN s AS x, callee AS ce, callee_route AS cr, callee_took AS ct, nested AS ne, route_above AS ra,
    caller_above AS ca
"""  # fmt: skip
    # Counts per (row, bucket), then per row: totals and the buckets at ranks floor(q (n - 1)),
    # the rank spans.quantile_ms reads.
    percentiles = ",\n    ".join(
        f"hist[arrayFirstIndex(c -> c > {q} * (calls - 1), arrayCumSum(arrayMap(h -> h.2, hist)))].1 AS p{name}"
        for name, q in (("50", 0.5), ("95", 0.95), ("99", 0.99))
    )
    return f"""
SELECT tbl, k1, k2, k3, k4, k5, k6, calls, errors, p50, p95, p99, file_path_low, line, file_path_any
FROM (
SELECT
    tbl, k1, k2, k3, k4, k5, k6,
    sum(n) AS calls,
    sum(e) AS errors,
    arraySort(groupArray((b, n))) AS hist,
    {percentiles},
    argMin(fp_low, ln_low) AS file_path_low,
    min(ln_low) AS line,
    any(fp_any) AS file_path_any
FROM (
    SELECT f.1 AS tbl, f.2 AS k1, f.3 AS k2, f.4 AS k3, f.5 AS k4, f.6 AS k5, f.7 AS k6,
           if(tbl = 4, 0, f.8) AS b, count() AS n, sum(f.9) AS e, argMin(f.10, f.11) AS fp_low,
           min(f.11) AS ln_low, any(f.10) AS fp_any
    FROM ({facts})
    GROUP BY tbl, k1, k2, k3, k4, k5, k6, b
)
GROUP BY tbl, k1, k2, k3, k4, k5, k6
)
"""

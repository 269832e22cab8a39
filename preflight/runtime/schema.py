"""The snapshot's tables: column names and types, in one place (schema version 1).

Every table is a pandas DataFrame with exactly these columns in this order; None/NaN
means unknown, never zero. Rates are per minute over the observed window.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

# name -> (dtype, meaning); dtypes are pandas extension types so missing values stay missing.
FUNCTIONS = {
    "service": ("string", "service.name of the process that ran it"),
    "qualname": ("string", "dotted qualified name (pkg.mod.Class.method) when known"),
    "file_path": ("string", "source file as the telemetry reported it (deployed path)"),
    "line": ("Int64", "first line as reported (profilers: the first decorator line)"),
    "calls": ("Int64", "executions observed in the window"),
    "calls_per_min": ("Float64", "calls / window minutes"),
    "p50_ms": ("Float64", "median duration"),
    "p95_ms": ("Float64", "95th percentile duration"),
    "p99_ms": ("Float64", "99th percentile duration"),
    "error_rate": ("Float64", "share of executions that ended in error (0-1)"),
    "window_start": ("string", "ISO 8601 UTC start of the observation window"),
    "window_end": ("string", "ISO 8601 UTC end of the observation window"),
    "source": ("string", "format that produced the row: otlp, jaeger, zipkin, pstats, folded, table"),
    "code_path": ("string", "repository path it resolved to (collect --repo), else missing"),
    "code_qualname": ("string", "repository qualified name it resolved to, else missing"),
}
EDGES = {
    "caller_service": ("string", "service that made the call"),
    "callee_service": ("string", "service that served it"),
    "caller_function": ("string", "qualified name of the calling function when known"),
    "calls": ("Int64", "calls observed in the window"),
    "calls_per_min": ("Float64", "calls / window minutes"),
    "calls_per_caller_request": ("Float64", "calls per request served by the caller service"),
    "p50_ms": ("Float64", "median client-side duration"),
    "p99_ms": ("Float64", "99th percentile client-side duration"),
    "error_rate": ("Float64", "share of calls that ended in error (0-1)"),
    "source": ("string", "format that produced the row"),
    "caller_route": ("string", "endpoint of the caller whose requests made the calls, when known"),
    "callee_route": ("string", "endpoint of the callee that served them, when its server span is seen"),
    "network_p50_ms": (
        "Float64",
        "median client-side minus server-side duration (wire and queues), when both are seen",
    ),
}
ENDPOINTS = {
    "service": ("string", "service that serves it"),
    "route": ("string", "HTTP route (method + http.route) or RPC/operation name"),
    "requests": ("Int64", "requests observed in the window"),
    "requests_per_min": ("Float64", "requests / window minutes"),
    "p50_ms": ("Float64", "median duration"),
    "p95_ms": ("Float64", "95th percentile duration"),
    "p99_ms": ("Float64", "99th percentile duration"),
    "error_rate": ("Float64", "share of requests that ended in error (0-1)"),
    "source": ("string", "format that produced the row"),
}
# Which endpoints reach which functions (from traces: the server span the function ran under).
FUNCTION_ENDPOINTS = {
    "service": ("string", "service of both"),
    "qualname": ("string", "function reached"),
    "route": ("string", "endpoint it ran under"),
    "calls": ("Int64", "executions of the function under that endpoint"),
}
SLOS = {
    "name": ("string", "SLO name"),
    "service": ("string", "service it applies to"),
    "indicator": ("string", "availability or latency"),
    "threshold_ms": ("Float64", "latency threshold for latency SLOs"),
    "objective": ("Float64", "target as a fraction (0.999)"),
    "window": ("string", "window length as written (28d, 1w, 1M)"),
    "window_kind": ("string", "rolling or calendar"),
    "route": ("string", "endpoint the SLO is about, when the spec names one"),
    "budget_remaining": ("Float64", "share of the error budget left (0-1; negative when overspent)"),
    "budget_source": ("string", "where budget_remaining came from: user:<file>, telemetry, or unknown"),
    "spec_path": ("string", "file the SLO was read from"),
}
OPTIONAL = {"edges": frozenset({"caller_route", "callee_route", "network_p50_ms"})}
"""Columns added to schema version 1 later: a snapshot written before them reads them as missing."""
TABLES = {
    "functions": FUNCTIONS,
    "edges": EDGES,
    "endpoints": ENDPOINTS,
    "function_endpoints": FUNCTION_ENDPOINTS,
    "slos": SLOS,
}

# Value ranges of the numeric columns, checked whenever a snapshot is read or written (the
# same rules the table adapter applies to user tables): every number is finite; shares lie in
# 0..1; a budget can be overspent (negative); every other number (counts, rates, latencies,
# lines) is >= 0.
SHARES = frozenset({"error_rate", "objective"})
SIGNED = frozenset({"budget_remaining"})

META_TIMES = ("generated_at", "window_start", "window_end")
"""meta.json fields holding an ISO 8601 time with a timezone (or null when unknown)."""

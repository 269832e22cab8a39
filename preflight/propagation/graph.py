"""The service graph: who calls whom, how often per request, and how each call is made.

Built from a runtime snapshot's edges, from a plain CSV of published data, and from
`.preflight.yml` (declared dependencies, timeouts, retries, fallbacks, fan-out mode).
The networkx graph stays inside this stage; cycles are allowed.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import networkx as nx
import numpy as np

from preflight.errors import InputError
from preflight.models import Call, CallMode, CallSettings, Service, Services

SEQUENTIAL: CallMode = "sequential"
PARALLEL: CallMode = "parallel"
DEFAULT_CALLS_PER_REQUEST = 1.0
"""A declared dependency without a measured rate is assumed to be called once per request."""


class Declared(Protocol):
    """The `services` section of `.preflight.yml` (a `preflight.config.Config` is one)."""

    @property
    def calls(self) -> tuple[tuple[str, str, CallSettings], ...]:
        """services.<caller>.calls.<callee>: declared dependencies and per-call settings."""

    @property
    def utilization(self) -> tuple[tuple[str, float], ...]:
        """services.<name>.utilization: CPU utilization (0-1) per service."""


class ServiceGraph:
    """Services and calls, held as a networkx DiGraph (caller -> callee)."""

    def __init__(self, services: Iterable[Service], calls: Iterable[Call]) -> None:
        self.graph: nx.DiGraph = nx.DiGraph()
        for service in services:
            self.graph.add_node(service.name, service=service)
        for call in calls:
            for name in (call.caller, call.callee):
                if name not in self.graph:
                    self.graph.add_node(name, service=Service(name))
            self.graph.add_edge(call.caller, call.callee, call=call)

    def service(self, name: str) -> Service:
        return self.graph.nodes[name]["service"]  # type: ignore[no-any-return]

    def services(self) -> list[Service]:
        return [self.graph.nodes[n]["service"] for n in self.graph.nodes]

    def calls(self) -> list[Call]:
        return [data["call"] for _, _, data in self.graph.edges(data=True)]

    def front_doors(self) -> set[str]:
        """Services nobody in the graph calls: what users hit."""
        return {name for name in self.graph.nodes if self.graph.in_degree(name) == 0}

    def with_settings(self, settings: Iterable[tuple[str, str, CallSettings]]) -> ServiceGraph:
        """Declared dependencies and per-edge settings applied over the measured graph."""
        calls = {(c.caller, c.callee): c for c in self.calls()}
        for caller, callee, setting in settings:
            key = (caller, callee)
            call = calls.get(key, Call(*key))
            calls[key] = replace(
                call,
                per_request=setting.per_request if setting.per_request is not None else call.per_request,
                mode=setting.mode or call.mode,
                timeout_ms=setting.timeout_ms if setting.timeout_ms is not None else call.timeout_ms,
                retries=setting.retries if setting.retries is not None else call.retries,
                fallback=setting.fallback if setting.fallback is not None else call.fallback,
            )
        return ServiceGraph(self.services(), calls.values())

    def with_config(self, settings: Declared) -> ServiceGraph:
        """The `services` section of `.preflight.yml` applied: declared calls, their settings, utilization
        (and rates for declared calls the traces do not show, where the data has them)."""
        return (
            self.with_settings(settings.calls)
            .with_utilization(dict(settings.utilization))
            .with_inferred_rates()
        )

    def with_inferred_rates(self) -> ServiceGraph:
        """Calls without a measured rate (declared, or made without trace context) get the callee's
        requests that the measured calls into it do not explain, split over those callers by their
        request rates; unchanged where a rate is unknown or nothing is left unexplained."""
        calls = {(c.caller, c.callee): c for c in self.calls()}
        for callee in self.graph.nodes:
            served = self.service(callee).requests_per_s
            into = [calls[(caller, callee)] for caller in self.graph.predecessors(callee)]
            missing = [c for c in into if c.per_request is None]
            rates = {c.caller: self.service(c.caller).requests_per_s for c in into}
            if not served or not missing or any(not rates[c.caller] for c in missing):
                continue
            if any(c.per_request is not None and not rates[c.caller] for c in into):
                continue  # a measured call from a caller of unknown rate: the rest is unknown too
            explained = sum((c.per_request or 0.0) * (rates[c.caller] or 0.0) for c in into)
            left = served - explained
            total = sum(rates[c.caller] or 0.0 for c in missing)
            if left <= 0 or total <= 0:
                continue
            for c in missing:
                share = left * (rates[c.caller] or 0.0) / total
                calls[(c.caller, callee)] = replace(
                    c, per_request=share / (rates[c.caller] or 1.0), inferred=True
                )
        return ServiceGraph(self.services(), calls.values())

    def with_utilization(self, utilization: Mapping[str, float]) -> ServiceGraph:
        services = [replace(s, utilization=utilization.get(s.name, s.utilization)) for s in self.services()]
        return ServiceGraph(services, self.calls())

    def path(self, source: str, target: str) -> tuple[str, ...]:
        """The shortest call chain by which target's callers reach source, source first."""
        try:
            chain = nx.shortest_path(self.graph, target, source)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return ()
        return tuple(reversed(chain))


def from_services(measured: Services) -> ServiceGraph:
    """The graph a runtime snapshot measured (see `preflight.exposure.services.measure`)."""
    return ServiceGraph(measured.services, measured.calls)


def from_edges(rows: Iterable[Mapping[str, Any]]) -> ServiceGraph:
    """Calls from per-edge rates; a row with no caller is outside traffic into a front door.

    Each service's request rate is the sum of its incoming calls (or the outside
    traffic); its latency is the call-weighted client-side latency of the calls
    into it; calls per request = edge rate / caller's request rate.
    """
    edges = [dict(r) for r in rows]
    incoming: dict[str, float] = {}
    latency: dict[str, list[tuple[float, float | None, float | None]]] = {}
    for edge in edges:
        rate = edge.get("calls_per_s")
        if rate is not None:
            incoming[edge["callee"]] = incoming.get(edge["callee"], 0.0) + rate
        latency.setdefault(edge["callee"], []).append((rate or 0.0, edge.get("p50_ms"), edge.get("p90_ms")))
    services = [
        Service(
            name,
            requests_per_s=incoming.get(name),
            p50_ms=_weighted(latency[name], 1),
            p90_ms=_weighted(latency[name], 2),
        )
        for name in latency
    ]
    calls = []
    for edge in edges:
        if not edge.get("caller"):
            continue
        served = incoming.get(edge["caller"])
        rate = edge.get("calls_per_s")
        per_request = rate / served if rate is not None and served else None
        calls.append(
            Call(
                edge["caller"],
                edge["callee"],
                per_request=per_request,
                p50_ms=edge.get("p50_ms"),
                p90_ms=edge.get("p90_ms"),
                mode=edge.get("mode") or SEQUENTIAL,
                timeout_ms=edge.get("timeout_ms"),
                retries=edge.get("retries") or 0,
                fallback=bool(edge.get("fallback")),
            )
        )
    return ServiceGraph(services, calls)


def _weighted(rows: list[tuple[float, float | None, float | None]], column: int) -> float | None:
    """The call-weighted mean of one latency column (a plain mean when no rates are known)."""
    known = [(row[0], value) for row in rows if (value := row[column]) is not None]
    if not known:
        return None
    total = sum(weight for weight, _ in known)
    if total <= 0:
        return sum(value for _, value in known) / len(known)
    return sum(weight * value for weight, value in known) / total


CSV_REQUIRED = ("caller", "callee", "calls_per_s")
CSV_OPTIONAL = ("p50_ms", "p90_ms", "mode", "timeout_ms", "retries", "fallback")


def read_csv(path: Path) -> ServiceGraph:
    """A plain CSV graph: caller,callee,calls_per_s[,p50_ms,p90_ms,mode,timeout_ms,retries,fallback]."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or ()]
            missing = [name for name in CSV_REQUIRED if name not in header]
            if missing:
                raise InputError(
                    f"{path}: missing column(s) {', '.join(missing)}; a graph CSV needs "
                    f"{','.join(CSV_REQUIRED)} and may have {','.join(CSV_OPTIONAL)}"
                )
            unknown = [name for name in header if name not in CSV_REQUIRED + CSV_OPTIONAL]
            if unknown:
                raise InputError(
                    f"{path}: unknown column(s) {', '.join(unknown)}; allowed: "
                    f"{','.join(CSV_REQUIRED + CSV_OPTIONAL)}"
                )
            rows = [_csv_row(path, number, row) for number, row in enumerate(reader, start=2)]
    except OSError as e:
        raise InputError(f"cannot read graph file {path}: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text; save the graph CSV as UTF-8") from e
    if not rows:
        raise InputError(f"{path}: no edges; add rows caller,callee,calls_per_s")
    return from_edges(rows)


def _csv_row(path: Path, number: int, row: Mapping[str, str | None]) -> dict[str, Any]:
    where = f"{path}:{number}"
    clean = {key.strip(): (value or "").strip() for key, value in row.items() if key is not None}
    if not clean.get("callee"):
        raise InputError(f"{where}: empty callee; every row names the service that serves the calls")
    mode = clean.get("mode") or SEQUENTIAL
    if mode not in (SEQUENTIAL, PARALLEL):
        raise InputError(f"{where}: mode {mode!r} is not {SEQUENTIAL} or {PARALLEL}")
    fallback = (clean.get("fallback") or "false").lower()
    if fallback not in ("true", "false", "1", "0", "yes", "no"):
        raise InputError(f"{where}: fallback {fallback!r} is not true or false")
    retries = _number(where, "retries", clean.get("retries"))
    if retries is not None and (retries != int(retries)):
        raise InputError(f"{where}: retries {retries} is not a whole number")
    return {
        "caller": clean.get("caller") or None,
        "callee": clean["callee"],
        "calls_per_s": _number(where, "calls_per_s", clean.get("calls_per_s")),
        "p50_ms": _number(where, "p50_ms", clean.get("p50_ms")),
        "p90_ms": _number(where, "p90_ms", clean.get("p90_ms")),
        "mode": mode,
        "timeout_ms": _number(where, "timeout_ms", clean.get("timeout_ms")),
        "retries": int(retries or 0),
        "fallback": fallback in ("true", "1", "yes"),
    }


def _number(where: str, column: str, text: str | None) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: {column} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{where}: {column} {text!r} must be a finite number >= 0")
    return value


Z90 = 1.2815516
"""The standard normal quantile of the 90th percentile."""


def share_below(limit: np.ndarray | float, p50: np.ndarray | float, p90: np.ndarray | float) -> np.ndarray:
    """P(latency <= limit) for the lognormal through this p50 and p90 (a p90 below the p50 counts as it)."""
    median = np.maximum(p50, 1e-9)
    sigma = np.maximum(np.log(np.maximum(p90, median)) - np.log(median), 1e-6) / Z90
    return normal_cdf((np.log(np.maximum(limit, 1e-9)) - np.log(median)) / sigma)


# erfc(z) ~ t * exp(-z^2 + P(t)), t = 1 / (1 + z/2), for z >= 0: the Chebyshev fit of Press et
# al., Numerical Recipes (2nd ed., 6.2), relative error below 1.2e-7 everywhere. Hand-written
# instead of scipy.special.ndtr because importing scipy.special costs the pre-push hook about
# 0.25 s, more than the whole Monte Carlo, and this accuracy is far inside its sampling error.
_ERFC = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)  # fmt: skip


def normal_cdf(x: np.ndarray | float) -> np.ndarray:
    """The standard normal CDF, elementwise (relative error of its tails below 1.2e-7)."""
    z = np.abs(np.asarray(x, dtype=float)) / math.sqrt(2)
    t = 1 / (1 + 0.5 * z)
    poly = np.zeros_like(t)
    for coefficient in reversed(_ERFC):
        poly = poly * t + coefficient
    upper = 0.5 * t * np.exp(-z * z + poly)  # P(X > |x|)
    return np.asarray(np.where(np.asarray(x) < 0, upper, 1 - upper))

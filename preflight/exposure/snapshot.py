"""Join changed functions to a runtime snapshot: traffic, share of service, latency, errors, endpoints, SLOs."""

from __future__ import annotations

import datetime
from typing import Any

import pandas as pd

from preflight.models import ChangeSet, Exposure, FunctionChange, FunctionExposure, RuntimeInfo, SloStatus
from preflight.runtime.snapshot import Snapshot

# Traces measure executions; profiles and tables are a weaker second choice.
SOURCE_RANK = {"otlp": 0, "jaeger": 0, "zipkin": 0, "table": 1, "pstats": 2, "folded": 3}


def join(changes: ChangeSet, snapshot: Snapshot, location: str, now: datetime.datetime) -> Exposure:
    """Every changed function with what the snapshot knows; no rows means unknown, never zero."""
    functions = snapshot.table("functions")
    key = functions["code_qualname"].fillna(functions["qualname"])
    names = {str(name) for name in key.dropna()}
    rows = [_expose(change, functions[key == _name(change, names)], snapshot) for change in changes.functions]
    return Exposure(tuple(rows), location, runtime_info(snapshot, location, now))


def rates(snapshot: Snapshot) -> dict[str, float]:
    """Calls/min per function (repository name when resolved), from its best source, over services."""
    functions = snapshot.table("functions").dropna(subset=["calls_per_min"])
    if functions.empty:
        return {}
    functions = functions.assign(
        key=functions["code_qualname"].fillna(functions["qualname"]),
        rank=functions["source"].map(SOURCE_RANK).fillna(9),
    ).dropna(subset=["key"])
    best = functions[functions["rank"] == functions.groupby("key")["rank"].transform("min")]
    return {str(k): float(v) for k, v in best.groupby("key")["calls_per_min"].sum().items()}


def _best_source(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows from the most direct source present (traces before tables before profiles)."""
    rank = rows["source"].map(SOURCE_RANK).fillna(9)
    return rows[rank == rank.min()]


def _name(change: FunctionChange, names: set[str]) -> str:
    """Production runs the base, so the base name is tried first."""
    for name in (change.old_qualname, change.qualname):
        if name is not None and name in names:
            return name
    return change.qualname


def _expose(change: FunctionChange, rows: pd.DataFrame, snapshot: Snapshot) -> FunctionExposure:
    rows = rows.dropna(subset=["calls"])
    if rows.empty:
        return FunctionExposure(change, None)
    best = _best_source(rows)
    per_service = best.groupby("service", dropna=False)["calls_per_min"].sum(min_count=1)
    calls = None if per_service.isna().all() else float(per_service.sum())
    top = best.sort_values("calls", ascending=False).iloc[0]
    service = None if pd.isna(top["service"]) else str(top["service"])
    qualname = top["code_qualname"] if not pd.isna(top["code_qualname"]) else top["qualname"]
    routes = _routes(snapshot, service, qualname)
    return FunctionExposure(
        change=change,
        calls_per_min=calls,
        service=service,
        services=tuple(sorted(str(s) for s in best["service"].dropna().unique())),
        share_of_service=_share(snapshot, service, calls),
        p50_ms=_float(top["p50_ms"]),
        p99_ms=_float(top["p99_ms"]),
        error_rate=_float(top["error_rate"]),
        endpoints=routes,
        slos=_slos(snapshot, service, routes),
        source=str(top["source"]),
    )


def _float(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _share(snapshot: Snapshot, service: str | None, calls: float | None) -> float | None:
    endpoints = snapshot.table("endpoints")
    served = endpoints[endpoints["service"] == service]["requests_per_min"].sum(min_count=1)
    if calls is None or pd.isna(served) or served <= 0:
        return None
    return min(1.0, calls / float(served))


def _routes(snapshot: Snapshot, service: str | None, qualname: Any) -> tuple[str, ...]:
    reached = snapshot.table("function_endpoints")
    rows = reached[(reached["service"] == service) & (reached["qualname"] == qualname)]
    return tuple(str(r) for r in rows.sort_values("calls", ascending=False)["route"].dropna())


def _slos(snapshot: Snapshot, service: str | None, routes: tuple[str, ...]) -> tuple[SloStatus, ...]:
    slos = snapshot.table("slos")
    return slo_statuses(
        slos[(slos["service"] == service) & (slos["route"].isna() | slos["route"].isin(routes))]
    )


def all_slos(snapshot: Snapshot) -> tuple[SloStatus, ...]:
    """Every SLO in the snapshot, with its error budget state."""
    return slo_statuses(snapshot.table("slos"))


def service_share(snapshot: Snapshot, service: str, qualname: str) -> float | None:
    """Share of a service's requests that run a function (its calls / the service's requests)."""
    functions = snapshot.table("functions")
    key = functions["code_qualname"].fillna(functions["qualname"])
    rows = functions[(functions["service"] == service) & (key == qualname)].dropna(subset=["calls_per_min"])
    calls = _best_source(rows)["calls_per_min"].sum(min_count=1)  # one source, not traces + profiles
    return None if pd.isna(calls) else _share(snapshot, service, float(calls))


def slo_statuses(rows: pd.DataFrame) -> tuple[SloStatus, ...]:
    return tuple(
        SloStatus(
            name=str(r["name"]),
            service=str(r["service"]),
            indicator=str(r["indicator"]),
            objective=_float(r["objective"]),
            window=None if pd.isna(r["window"]) else str(r["window"]),
            threshold_ms=_float(r["threshold_ms"]),
            route=None if pd.isna(r["route"]) else str(r["route"]),
            budget_remaining=_float(r["budget_remaining"]),
            budget_source="unknown" if pd.isna(r["budget_source"]) else str(r["budget_source"]),
        )
        for _, r in rows.iterrows()
    )


def runtime_info(snapshot: Snapshot, location: str, now: datetime.datetime) -> RuntimeInfo:
    """Freshness and coverage of the snapshot."""
    meta = snapshot.meta
    end = meta.get("window_end")
    age = None
    if isinstance(end, str):
        # Python 3.10's fromisoformat does not read a trailing Z
        ended = datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
        age = round((now - ended).total_seconds() / 3600, 2)
    resolution = meta.get("resolution") or {}
    return RuntimeInfo(
        location=location,
        generated_at=meta.get("generated_at"),
        window_start=meta.get("window_start"),
        window_end=end if isinstance(end, str) else None,
        age_hours=age,
        resolution_rate=resolution.get("rate"),
    )

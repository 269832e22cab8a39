"""Remaining error budget of each SLO: the user's number when given, else estimated from telemetry."""

from __future__ import annotations

from typing import Any

import pandas as pd


def apply(slos: pd.DataFrame, user: list[dict[str, Any]], endpoints: pd.DataFrame) -> pd.DataFrame:
    """Fill budget_remaining/budget_source: user budgets win; availability SLOs fall back to telemetry.

    The telemetry estimate assumes the observed bad ratio held for the whole SLO
    window: remaining = 1 - bad_ratio / (1 - objective). Latency SLOs stay unknown
    without a user number: the snapshot keeps percentiles, not the share of
    requests over an arbitrary threshold.
    """
    slos = slos.copy()
    given = {str(row.get("slo")): row for row in user}
    for i in slos.index:
        name = str(slos.at[i, "name"])
        if name in given:
            slos.at[i, "budget_remaining"] = float(given[name]["budget_remaining"])
            slos.at[i, "budget_source"] = f"user:{given[name].get('path', 'slo budgets table')}"
            continue
        if not pd.isna(slos.at[i, "budget_remaining"]):
            continue  # the spec carried it (budget_source set by the SLO adapter)
        estimate = None
        if slos.at[i, "indicator"] == "availability" and not pd.isna(slos.at[i, "objective"]):
            estimate = _availability(
                endpoints, slos.at[i, "service"], slos.at[i, "route"], float(slos.at[i, "objective"])
            )
        if estimate is None:
            slos.at[i, "budget_source"] = "unknown"
        else:
            slos.at[i, "budget_remaining"] = round(estimate, 6)
            slos.at[i, "budget_source"] = "telemetry"
    return slos


def _availability(endpoints: pd.DataFrame, service: object, route: object, objective: float) -> float | None:
    rows = endpoints[endpoints["service"] == service]
    if not pd.isna(route):
        rows = rows[rows["route"] == route]
    rows = rows.dropna(subset=["requests", "error_rate"])
    requests = float(rows["requests"].sum())
    if requests <= 0 or objective >= 1:
        return None
    bad = float((rows["requests"] * rows["error_rate"]).sum()) / requests
    return 1 - bad / (1 - objective)

"""Error budget remaining: user numbers win, availability estimated from telemetry, else unknown."""

from __future__ import annotations

import pandas as pd
import pytest

from preflight.runtime import budgets
from preflight.runtime.snapshot import conform


def test_user_telemetry_and_unknown() -> None:
    slos = conform(
        "slos",
        pd.DataFrame(
            [
                {"name": "given", "service": "cart", "indicator": "availability", "objective": 0.99},
                {"name": "estimated", "service": "cart", "indicator": "availability", "objective": 0.99},
                {
                    "name": "route",
                    "service": "cart",
                    "indicator": "availability",
                    "objective": 0.99,
                    "route": "GET /b",
                },
                {
                    "name": "latency",
                    "service": "cart",
                    "indicator": "latency",
                    "objective": 0.99,
                    "threshold_ms": 200.0,
                },
                {"name": "idle", "service": "ghost", "indicator": "availability", "objective": 0.999},
            ]
        ),
    )
    endpoints = conform(
        "endpoints",
        pd.DataFrame(
            [
                {"service": "cart", "route": "GET /a", "requests": 900, "error_rate": 0.0},
                {"service": "cart", "route": "GET /b", "requests": 100, "error_rate": 0.05},
            ]
        ),
    )
    out = budgets.apply(slos, [{"slo": "given", "budget_remaining": 0.25, "path": "budgets.csv"}], endpoints)
    got = {r["name"]: (r["budget_remaining"], r["budget_source"]) for _, r in out.iterrows()}
    assert got["given"] == (0.25, "user:budgets.csv")
    assert got["estimated"][1] == "telemetry"
    assert got["estimated"][0] == pytest.approx(1 - 0.005 / 0.01)  # 0.5% bad of a 1% budget
    assert got["route"][0] == pytest.approx(1 - 0.05 / 0.01)  # overspent: negative
    assert pd.isna(got["latency"][0]) and got["latency"][1] == "unknown"
    assert pd.isna(got["idle"][0]) and got["idle"][1] == "unknown"

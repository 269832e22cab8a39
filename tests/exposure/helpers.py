"""A small snapshot and changed functions shared by the exposure tests."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd

from preflight.models import ChangeKind, FunctionChange, LineSpan, RevisionRange
from preflight.runtime.snapshot import Snapshot, conform

REVISIONS = RevisionRange("main", "HEAD", "a" * 40, "b" * 40, "a" * 40, "explicit")
NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.timezone.utc)

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop" / "snapshot"
"""The example shop's snapshot."""


def fn(qualname: str, old: str | None = None) -> FunctionChange:
    return FunctionChange(
        "src/shop/cart.py",
        "src/shop/cart.py",
        qualname,
        old or qualname,
        ChangeKind.MODIFIED,
        (),
        LineSpan(1, 5),
        LineSpan(1, 5),
        1,
        1,
    )


def snapshot() -> Snapshot:
    tables = {
        "functions": conform(
            "functions",
            pd.DataFrame(
                [
                    {
                        "service": "cart",
                        "qualname": "app.shop.cart.add",
                        "code_qualname": "shop.cart.add",
                        "calls": 600,
                        "calls_per_min": 60.0,
                        "p50_ms": 2.0,
                        "p99_ms": 9.0,
                        "error_rate": 0.01,
                        "source": "otlp",
                    },
                    {
                        "service": "cart",
                        "qualname": None,
                        "code_qualname": "shop.cart.add",
                        "calls": 99999,
                        "calls_per_min": None,
                        "source": "pstats",
                    },
                    {
                        "service": "cart",
                        "qualname": "shop.cart.old_total",
                        "calls": 30,
                        "calls_per_min": 3.0,
                        "source": "otlp",
                    },
                ]
            ),
        ),
        "endpoints": conform(
            "endpoints",
            pd.DataFrame(
                [
                    {"service": "cart", "route": "POST /cart", "requests": 800, "requests_per_min": 80.0},
                    {"service": "cart", "route": "GET /cart", "requests": 400, "requests_per_min": 40.0},
                ]
            ),
        ),
        "function_endpoints": conform(
            "function_endpoints",
            pd.DataFrame(
                [
                    {"service": "cart", "qualname": "shop.cart.add", "route": "GET /cart", "calls": 10},
                    {"service": "cart", "qualname": "shop.cart.add", "route": "POST /cart", "calls": 590},
                ]
            ),
        ),
        "slos": conform(
            "slos",
            pd.DataFrame(
                [
                    {
                        "name": "cart-availability",
                        "service": "cart",
                        "indicator": "availability",
                        "objective": 0.999,
                        "window": "28d",
                        "budget_remaining": 0.4,
                        "budget_source": "telemetry",
                    },
                    {
                        "name": "checkout-latency",
                        "service": "cart",
                        "indicator": "latency",
                        "route": "POST /checkout",
                        "objective": 0.99,
                        "threshold_ms": 300.0,
                        "budget_source": "unknown",
                    },
                    {
                        "name": "post-cart",
                        "service": "cart",
                        "indicator": "availability",
                        "route": "POST /cart",
                        "objective": 0.99,
                        "budget_source": "unknown",
                    },
                ]
            ),
        ),
    }
    meta = {
        "generated_at": "2026-11-22T06:00:00+00:00",
        "window_start": "2026-11-22T05:00:00+00:00",
        "window_end": "2026-11-22T06:00:00+00:00",
        "resolution": {"rate": 0.9},
    }
    return Snapshot(tables, meta)

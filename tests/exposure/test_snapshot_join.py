"""Stage 4 with a snapshot: traffic, share of service, latency, endpoints, SLOs, freshness."""

from __future__ import annotations

import datetime

import pandas as pd

from preflight.exposure.snapshot import prepare
from preflight.models import ChangeKind, ChangeSet, FunctionChange, LineSpan, RevisionRange
from preflight.runtime.snapshot import Snapshot, conform

REVISIONS = RevisionRange("main", "HEAD", "a" * 40, "b" * 40, "a" * 40, "explicit")
NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.timezone.utc)


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


def test_join_prefers_traces_and_reports_everything() -> None:
    exposure = prepare(snapshot()).join(ChangeSet(REVISIONS, (), (fn("shop.cart.add"),)), "snap", NOW)
    item = exposure.functions[0]
    assert (item.calls_per_min, item.service, item.source) == (60.0, "cart", "otlp")
    assert item.share_of_service == 0.5  # 60 of the 120 requests/min cart serves
    assert (item.p50_ms, item.p99_ms, item.error_rate) == (2.0, 9.0, 0.01)
    assert item.endpoints == ("POST /cart", "GET /cart")
    assert [s.name for s in item.slos] == ["cart-availability", "post-cart"]  # not the checkout route's SLO
    assert item.slos[0].budget_remaining == 0.4 and item.slos[1].budget_remaining is None
    runtime = exposure.runtime
    assert runtime is not None and (runtime.age_hours, runtime.resolution_rate) == (6.0, 0.9)


def test_renamed_function_uses_the_base_name_and_missing_is_unknown() -> None:
    changes = ChangeSet(
        REVISIONS, (), (fn("shop.cart.total", old="shop.cart.old_total"), fn("shop.cart.new"))
    )
    renamed, new = prepare(snapshot()).join(changes, "snap", NOW).functions
    assert renamed.calls_per_min == 3.0
    assert new.calls_per_min is None and new.service is None and new.slos == ()


def test_rates_by_repository_name_from_the_best_source() -> None:
    assert prepare(snapshot()).rates == {"shop.cart.add": 60.0, "shop.cart.old_total": 3.0}

"""Stage 4 with a snapshot: traffic, share of service, latency, endpoints, SLOs, freshness."""

from __future__ import annotations

from preflight.exposure.snapshot import prepare
from preflight.models import ChangeSet
from tests.exposure.helpers import NOW, REVISIONS, fn, snapshot


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


def test_rates_by_repository_name_from_the_best_source() -> None:
    assert prepare(snapshot()).rates == {"shop.cart.add": 60.0, "shop.cart.old_total": 3.0}


def test_console_exporter_spans_rank_with_every_trace_source() -> None:
    """The SDK's ConsoleSpanExporter output is traces, so it wins over a profile of the same function."""
    snap = snapshot()
    functions = snap.tables["functions"]
    functions.loc[functions["source"] == "otlp", "source"] = "console"
    item = prepare(snap).join(ChangeSet(REVISIONS, (), (fn("shop.cart.add"),)), "snap", NOW).functions[0]
    assert (item.calls_per_min, item.source) == (60.0, "console")

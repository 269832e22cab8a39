"""models/exposure.py: a FunctionExposure reads its runtime numbers through its RuntimeStats."""

from __future__ import annotations

from preflight.models import ChangeKind, FunctionChange, FunctionExposure, LineSpan, RuntimeStats, SloStatus

SLO = SloStatus("checkout-latency", "shop", "latency", 0.99, "30d", 300.0, "/cart", 0.4, "user:slos.yml")


def _exposure(runtime: RuntimeStats) -> FunctionExposure:
    change = FunctionChange(
        "m.py", "m.py", "m.f", "m.f", ChangeKind.MODIFIED, (), LineSpan(1, 3), LineSpan(1, 3), 1, 1
    )
    return FunctionExposure(change, runtime)


def test_function_exposure_reads_through_its_runtime_stats() -> None:
    runtime = RuntimeStats(
        calls_per_min=1200.0,
        service="shop",
        services=("shop", "worker"),
        share_of_service=0.25,
        p50_ms=3.0,
        p99_ms=40.0,
        error_rate=0.01,
        endpoints=("/cart",),
        slos=(SLO,),
        source="otlp",
    )
    found = _exposure(runtime)
    assert (found.calls_per_min, found.service, found.services) == (1200.0, "shop", ("shop", "worker"))
    assert (found.share_of_service, found.p50_ms, found.p99_ms) == (0.25, 3.0, 40.0)
    assert (found.error_rate, found.endpoints, found.slos, found.source) == (0.01, ("/cart",), (SLO,), "otlp")


def test_without_runtime_data_everything_is_unknown() -> None:
    found = _exposure(RuntimeStats())
    assert found.calls_per_min is None and found.service is None and found.source is None
    assert found.services == () and found.endpoints == () and found.slos == ()
    assert found.production and found.callers is None and found.inferred is None

"""models/services.py: the service graph's values and their defaults (None keeps what telemetry says)."""

from __future__ import annotations

from preflight.models import CallSettings, PathMapping, Service
from preflight.models.services import Call


def test_defaults_say_unknown_or_the_plain_case() -> None:
    service = Service("shop")
    assert service.requests_per_s is None and service.p50_ms is None and service.utilization is None
    assert service.error_rate == 0.0
    call = Call("shop", "payment")
    assert (call.mode, call.retries, call.fallback, call.per_request) == ("sequential", 0, False, None)
    assert CallSettings() == CallSettings(None, None, None, None, None)


def test_values_compare_and_hash_by_their_fields() -> None:
    assert PathMapping("/app/", "src/") == PathMapping("/app/", "src/")
    assert len({PathMapping("/app/", "src/"), PathMapping("/app/", "src/"), PathMapping("/srv/", "")}) == 2
    assert CallSettings(retries=2) != CallSettings(retries=3)

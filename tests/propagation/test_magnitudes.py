"""propagation/magnitudes.py: magnitudes the snapshot measured, and which of a simulation's were
given, measured or assumed."""

from __future__ import annotations

import pytest

from preflight.errors import InputError
from preflight.models import Call, Service
from preflight.propagation import parse
from preflight.propagation.graph import ServiceGraph
from preflight.propagation.magnitudes import provenance, resolve

# two callers see 4% and 1% of their calls into cart fail; 300 and 100 calls per second
GRAPH = ServiceGraph(
    [
        Service("web", requests_per_s=300),
        Service("api", requests_per_s=100),
        Service("cart", p50_ms=10, p90_ms=30),
    ],
    [
        Call("web", "cart", per_request=1, error_rate=0.04, wire_ms=2.0),
        Call("api", "cart", per_request=1, error_rate=0.01, wire_ms=6.0),
    ],
)


def test_an_error_share_measured_is_what_the_callers_see_call_weighted() -> None:
    (fault,), notes = resolve([parse("cart:error=measured")], GRAPH)
    assert [fault.low, fault.high] == pytest.approx([0.0325, 0.0325])  # (300*4% + 100*1%) / 400
    assert fault.kind == "error"
    assert notes == ["magnitude of cart:error=measured: 3.25% of calls, measured (what its callers saw fail)"]


def test_a_network_ratio_is_of_the_wire_time_measured_on_calls_into_the_service() -> None:
    (fault,), notes = resolve([parse("cart:network=x3")], GRAPH)
    # wire time call-weighted: (300 * 2 + 100 * 6) / 400 = 3 ms; x3 adds 2 * 3 = 6 ms per call
    assert [fault.low, fault.high] == pytest.approx([6.0, 6.0]) and fault.ratio is False
    assert notes == [
        "magnitude of cart:network=x3: +6.0 ms per call, 3x the 3.0 ms on the wire measured (client minus server)"
    ]


def test_a_magnitude_not_measured_is_an_error_that_says_how_to_give_one() -> None:
    bare = ServiceGraph([Service("web"), Service("cart")], [Call("web", "cart", per_request=1)])
    with pytest.raises(InputError, match=r"cart:error=measured.*no error rate measured on calls into cart"):
        resolve([parse("cart:error=measured")], bare)
    with pytest.raises(InputError, match=r"no wire time measured on calls into cart"):
        resolve([parse("cart:network=x2")], bare)


def test_provenance_says_given_measured_or_assumed() -> None:
    faults = [
        parse("cart:latency=20ms"),
        parse("cart:error=0.1..0.3"),
        parse("cart:latency=x2"),
        parse("web:cpu=x2"),
    ]
    assert provenance(faults, GRAPH) == [
        "magnitude of cart:latency=20ms: given (not measured)",
        "magnitude of cart:error=0.1..0.3: assumed (a range, sampled per scenario)",
        "magnitude of cart:latency=x2: 2x cart's measured latency (p50 10.0 ms, p90 30.0 ms)",
        "magnitude of web:cpu=x2: given; web's CPU utilization assumed (not measured)",
    ]

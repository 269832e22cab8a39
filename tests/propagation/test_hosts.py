"""propagation/hosts.py: CPU contention between services on one host, worked out by hand."""

from __future__ import annotations

import pytest

from preflight.models import Call, Route, Service
from preflight.propagation.hosts import Neighbour, neighbours
from tests.propagation.graphs import added_p90, mixture_quantile, of, p50_after, p90_after, run

# f and n share node-a; f uses half of its share of the CPU, n 30%: the host is at (0.5 + 0.3) / 2
F = Service("f", p50_ms=10, p90_ms=30, utilization=0.5, hosts=("node-a",))
N = Service("n", p50_ms=20, p90_ms=40, utilization=0.3, hosts=("node-a",))
SLOWDOWN = (1 - 0.4) / (1 - (0.4 + 0.5 * (2 - 1) / 2))  # f's CPU x2 adds 0.25: (0.6 / 0.35) = 1.714


def test_a_cpu_fault_slows_the_service_on_the_same_host_and_its_callers() -> None:
    impact = run([F, N, Service("c")], [Call("c", "n", per_request=1)], "f:cpu=x2")
    assert p50_after(impact, "n") == pytest.approx(20 * SLOWDOWN, rel=2e-3)  # 34.3
    assert p90_after(impact, "n") == pytest.approx(40 * SLOWDOWN, rel=2e-3)  # 68.6
    # c (latency unknown) waits for n: its p90 grows by n's added p90
    assert added_p90(impact, "c") == pytest.approx(40 * (SLOWDOWN - 1), rel=2e-3)  # 28.6
    assert any("n shares node-a with f" in note for note in impact.assumptions)


def test_a_neighbour_on_two_hosts_is_slowed_in_the_requests_served_on_the_shared_one() -> None:
    spread = Service("n", p50_ms=20, p90_ms=40, utilization=0.3, hosts=("node-a", "node-b"))
    impact = run([F, spread], [], "f:cpu=x2")
    # half of n's requests run on node-a (slowed 1.714x), half on node-b (as before)
    parts = [(0.5, 1.0, 0.0), (0.5, SLOWDOWN, 0.0)]
    assert p90_after(impact, "n") == pytest.approx(mixture_quantile(0.9, 20, 40, parts), abs=0.3)


def test_latency_and_error_faults_do_not_contend_and_hosts_unknown_change_nothing() -> None:
    assert not of(run([F, N], [], "f:latency=x3"), "n").affected_probability
    alone = Service("n", p50_ms=20, p90_ms=40, utilization=0.3)
    assert added_p90(run([F, alone], [], "f:cpu=x2"), "n") == 0.0


def test_unknown_utilization_on_the_host_is_a_range_and_said() -> None:
    unknown = Service("n", p50_ms=20, p90_ms=40, hosts=("node-a",))
    impact = run([F, unknown], [], "f:cpu=x2", trials=20_000)
    # n's utilization 20%-60%: the host before 0.35-0.55, after +0.25: slowdown 1.65x-2.25x
    p90 = of(impact, "n").p90_ms_after
    assert p90 is not None and 40 * 1.6 < p90.low < p90.median < p90.high < 40 * 2.3
    assert any(
        "n: CPU utilization unknown, assumed 20%-60% for its host's load" in note
        for note in impact.assumptions
    )


def test_the_routes_of_the_faulty_service_are_not_its_neighbours() -> None:
    split = Service("f", requests_per_s=2, p50_ms=10, p90_ms=30, utilization=0.5, hosts=("node-a",),
                    routes=(Route("A", 1, 10, 30), Route("B", 1, 10, 30)))  # fmt: skip
    found = neighbours([split, N], ["f"], {})
    assert found == [Neighbour("f", "n", 1.0, ("node-a",))]
    owners = {"f A": "f", "f B": "f"}
    nodes = [Service("f A", hosts=("node-a",)), Service("f B", hosts=("node-a",)), N]
    assert [n.node for n in neighbours(nodes, ["f A"], owners)] == ["n"]

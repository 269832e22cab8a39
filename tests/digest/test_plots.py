"""preflight/digest/plots.py: the digest's plot geometry (bars, the service graph's layers, rates)."""

from __future__ import annotations

import pytest

from preflight.digest import Digest, plots, summary
from tests.digest import release


def test_service_graph_layers_callers_left_of_callees(shop_digest: Digest) -> None:
    graph = plots.service_graph(shop_digest)
    assert graph is not None and graph.hidden == 0
    x = {node.name: node.x for node in graph.nodes}
    assert x["frontend"] < x["cart"] == x["checkout"] < x[release.EVIL_SERVICE]
    marked = {node.name: (node.changed, node.affected) for node in graph.nodes}
    assert marked["cart"] == (True, True) and marked["frontend"] == (False, True)
    assert marked[release.EVIL_SERVICE] == (False, False)
    assert len(graph.edges) == 3


def test_cycles_share_a_layer_and_big_graphs_are_cut() -> None:
    cyclic = summary.build("a..b", "a", "b", (), [("a", "b", 1.0), ("b", "a", 1.0), ("b", "c", None)])
    graph = plots.service_graph(cyclic)
    assert graph is not None
    x = {node.name: node.x for node in graph.nodes}
    assert x["a"] == x["b"] < x["c"]
    assert any(" C" in path and path.count(",") == 4 for path in graph.edges)
    chain = summary.build("a..b", "a", "b", (), [(f"s{i}", f"s{i + 1}", None) for i in range(99)])
    big = plots.service_graph(chain)
    assert big is not None and len(big.nodes) == plots.MAX_SERVICES and big.hidden == 60
    assert plots.service_graph(summary.build("a..b", "a", "b", ())) is None


def test_bar_charts(shop_digest: Digest) -> None:
    risk = plots.risk_bars(shop_digest.changes)
    assert len(risk.bars) == 5 and risk.height == 5 * plots.ROW + 36
    for bar, change in zip(risk.bars, shop_digest.changes, strict=True):
        assert bar.width == pytest.approx(max(change.result.risk.score / 100 * plots.PLOT, 1.0))
        assert bar.colour == plots.FILL[change.result.risk.level]
    traffic = plots.traffic_bars(shop_digest.services)
    assert traffic is not None and [b.label for b in traffic.bars] == ["cart", "checkout"]
    assert traffic.ticks[-1][1] == "1.0k"  # 600 calls/min rounds up to a 1,000 axis
    assert plots.traffic_bars(()) is None


@pytest.mark.parametrize(
    ("value", "text"), [(0.5, "0.5"), (12, "12"), (950, "950"), (12_300, "12.3k"), (4_100_000, "4.1M")]
)
def test_rates_are_compact(value: float, text: str) -> None:
    assert plots.rate(value) == text

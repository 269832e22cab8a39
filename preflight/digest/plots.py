"""Geometry of the HTML digest's inline SVG plots: numbers only, the template draws them.

Laid out here rather than by a plotting script so that the page needs no network and no
JavaScript: risk per change and traffic per service as horizontal bars, and the service graph
in layers (callers left of callees, cycles kept in one layer) with the changed services marked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from preflight.digest.contents import Digest, ScoredChange, ServiceTraffic

FILL = {"low": "#16a34a", "medium": "#ca8a04", "high": "#ea580c", "critical": "#dc2626", "none": "#94a3b8"}
"""Bar colours by risk level."""
NODE = {
    "low": ("#dcfce7", "#15803d"),
    "medium": ("#fef9c3", "#a16207"),
    "high": ("#ffedd5", "#c2410c"),
    "critical": ("#fee2e2", "#b91c1c"),
    "none": ("#f8fafc", "#64748b"),
}
"""(fill, stroke) of a service node by the highest risk level of the changes in it."""
ROW, LEFT, PLOT = 22, 260, 380
NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 168, 48, 72, 22, 16
MAX_SERVICES = 40
MAX_LABEL = 34
TOP_CHANGES = 20
"""Changes shown in the risk chart and table; the rest are collapsed (JSON keeps all)."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a horizontal bar chart."""

    label: str
    title: str
    """The full text, shown as a tooltip."""
    text: str
    """The value as written next to the bar."""
    y: float
    width: float
    colour: str


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart: a label column, then bars from x = left."""

    width: int
    height: int
    left: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]
    """(x, text) of the axis ticks."""


@dataclass(frozen=True, slots=True)
class Node:
    """A service box."""

    name: str
    label: str
    detail: str
    x: float
    y: float
    fill: str
    stroke: str
    changed: bool
    """Code of the range runs in it (thick border); else it is only affected or a neighbour."""
    affected: bool
    """A change's simulated fault affects it (dashed border when it is not changed itself)."""


@dataclass(frozen=True, slots=True)
class Graph:
    """The service graph: boxes and the SVG paths of the calls between them."""

    width: int
    height: int
    nodes: tuple[Node, ...]
    edges: tuple[str, ...]
    hidden: int
    """Services left out to keep the plot readable."""
    node_width: int = NODE_W
    node_height: int = NODE_H


def short(text: str, limit: int = MAX_LABEL) -> str:
    """Text cut to limit characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rate(value: float) -> str:
    """Calls/min compactly: 950, 12.3k, 4.1M."""
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:,.1f}{unit}"
    return f"{value:,.0f}" if value >= 10 else f"{value:,.2g}"


def _nice(top: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above top."""
    if top <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(top))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= top)


def by_risk(changes: Sequence[ScoredChange]) -> list[ScoredChange]:
    """The changes riskiest first; equal scores in merge order."""
    return sorted(changes, key=lambda c: -c.result.risk.score)


def risk_bars(changes: Sequence[ScoredChange]) -> BarChart:
    """Risk score per change, in the order given, coloured by level, on a 0-100 axis."""
    bars = tuple(
        Bar(
            label=short(f"{c.merged.label} {c.merged.title}"),
            title=f"{c.merged.label} {c.merged.title}: {c.result.risk.score}/100 {c.result.risk.level}",
            text=f"{c.result.risk.score} {c.result.risk.level}",
            y=i * ROW,
            width=max(c.result.risk.score / 100 * PLOT, 1.0),
            colour=FILL[c.result.risk.level],
        )
        for i, c in enumerate(changes)
    )
    ticks = tuple((LEFT + v / 100 * PLOT, str(v)) for v in (0, 25, 50, 75, 100))
    return BarChart(LEFT + PLOT + 90, len(bars) * ROW + 36, LEFT, bars, ticks)


def traffic_bars(services: Sequence[ServiceTraffic]) -> BarChart | None:
    """Calls/min the changed functions carry, per service; None when no service has any."""
    shown = [(s, s.calls_per_min) for s in services if s.calls_per_min]
    if not shown:
        return None
    top = _nice(max(calls for _, calls in shown))
    bars = tuple(
        Bar(
            label=short(s.service or "(service unknown)"),
            title=f"{s.service or '(service unknown)'}: {calls:,.1f} calls/min in "
            f"{s.functions} changed functions ({s.unknown} without data)",
            text=f"{rate(calls)}/min" + (f" +{s.unknown} unknown" if s.unknown else ""),
            y=i * ROW,
            width=max(calls / top * PLOT, 1.0),
            colour=FILL[s.level],
        )
        for i, (s, calls) in enumerate(shown)
    )
    ticks = tuple((LEFT + share * PLOT, rate(share * top)) for share in (0, 0.25, 0.5, 0.75, 1))
    return BarChart(LEFT + PLOT + 130, len(bars) * ROW + 36, LEFT, bars, ticks)


def service_graph(digest: Digest) -> Graph | None:
    """The snapshot's service graph with the range's services marked; None without services."""
    import networkx as nx

    marked = {s.service: s for s in digest.services if s.service}
    graph = nx.DiGraph()
    graph.add_nodes_from(marked)
    graph.add_edges_from((a, b) for a, b, _ in digest.edges if a and b and a != b)
    if graph.number_of_nodes() == 0:
        return None
    keep = _keep(graph, marked)
    hidden = graph.number_of_nodes() - len(keep)
    graph = graph.subgraph(keep).copy()
    layers = _layers(graph)
    position: dict[str, tuple[float, float]] = {}
    for depth, names in enumerate(layers):
        for row, name in enumerate(names):
            position[name] = (MARGIN + depth * (NODE_W + GAP_X), MARGIN + row * (NODE_H + GAP_Y))
    nodes = tuple(_node(name, position[name], marked.get(name)) for layer in layers for name in layer)
    edges = tuple(_edge(position[a], position[b]) for a, b in sorted(graph.edges))
    width = MARGIN * 2 + len(layers) * NODE_W + (len(layers) - 1) * GAP_X
    tallest = max(len(layer) for layer in layers)
    height = MARGIN * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y + 40  # room for edges curving below
    return Graph(width, height, nodes, edges, hidden)


def _keep(graph: Any, marked: dict[str, ServiceTraffic]) -> list[str]:
    """The marked services, then their neighbours, then the rest, up to MAX_SERVICES."""
    import networkx as nx

    keep = sorted(marked)[:MAX_SERVICES]
    near = sorted({n for name in keep for n in nx.all_neighbors(graph, name)} - set(keep))
    rest = sorted(set(graph.nodes) - set(keep) - set(near), key=lambda n: (-graph.degree(n), n))
    return [*keep, *near, *rest][:MAX_SERVICES]


def _layers(graph: Any) -> list[list[str]]:
    """Services by depth from the front doors (a cycle shares a layer), each layer ordered to
    keep calls short: by the mean row of its callers in the layers before."""
    import networkx as nx

    condensed = nx.condensation(graph)
    layers: list[list[str]] = []
    row: dict[str, float] = {}
    for generation in nx.topological_generations(condensed):
        names = sorted(name for part in generation for name in condensed.nodes[part]["members"])

        def centre(name: str) -> tuple[float, str]:
            callers = [row[p] for p in graph.predecessors(name) if p in row]
            return (sum(callers) / len(callers) if callers else math.inf, name)

        names.sort(key=centre)
        row.update((name, i) for i, name in enumerate(names))
        layers.append(names)
    return layers


def _node(name: str, at: tuple[float, float], traffic: ServiceTraffic | None) -> Node:
    level = traffic.level if traffic is not None else "none"
    fill, stroke = NODE[level]
    if traffic is None:
        detail = ""
    elif traffic.changes:
        count = len(traffic.changes)
        detail = f"{count} change{'s' if count > 1 else ''}: {', '.join(traffic.changes[:3])}"
        detail += "…" if count > 3 else ""
    else:
        detail = f"affected by {', '.join(traffic.affected_by[:3])}"
    return Node(
        name=name,
        label=short(name, 22),
        detail=short(detail, 26),
        x=at[0],
        y=at[1],
        fill=fill,
        stroke=stroke,
        changed=traffic is not None and bool(traffic.changes),
        affected=traffic is not None and bool(traffic.affected_by),
    )


def _edge(a: tuple[float, float], b: tuple[float, float]) -> str:
    """A call: right side to left side when the callee is to the right, else a curve below."""
    if b[0] > a[0]:
        x1, y1, x2, y2 = a[0] + NODE_W, a[1] + NODE_H / 2, b[0], b[1] + NODE_H / 2
        middle = (x1 + x2) / 2
        return f"M{x1:.0f},{y1:.0f} C{middle:.0f},{y1:.0f} {middle:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    x1, y1, x2, y2 = a[0] + NODE_W / 3, a[1] + NODE_H, b[0] + 2 * NODE_W / 3, b[1] + NODE_H
    return f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + 36:.0f} {x2:.0f},{y2 + 36:.0f} {x2:.0f},{y2 + 4:.0f}"

"""The blast-radius diagram over real simulations: every affected service drawn has the edge that
reached it, the change node names the injected functions, latency is never a false 0.0 ms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from preflight.models import ChangeKind, CheckResult, Impact
from preflight.propagation import from_edges, parse, simulate
from preflight.report import mermaid
from preflight.report.markdown import render_check
from tests.report.test_report import fn, result, sample

EDGES: list[Mapping[str, Any]] = [
    {"caller": None, "callee": "frontend", "calls_per_s": 100.0, "p50_ms": 40.0, "p90_ms": 90.0},
    {"caller": "frontend", "callee": "checkout", "calls_per_s": 10.0, "p50_ms": 30.0, "p90_ms": 60.0},
    {"caller": "checkout", "callee": "currency", "calls_per_s": 10.0, "p50_ms": 0.02, "p90_ms": 0.034},
    {"caller": "frontend", "callee": "recommendation", "calls_per_s": 50.0, "p50_ms": 5.0, "p90_ms": 9.0},
    {"caller": "recommendation", "callee": "catalog", "calls_per_s": 50.0, "p50_ms": None, "p90_ms": None},
    {"caller": "frontend", "callee": "ads", "calls_per_s": 20.0, "p50_ms": 2.0, "p90_ms": 4.0},
]
FAULTS = (
    "currency:shop.currency.convert:error=0.3..0.5",
    "catalog:shop.catalog.public:error=0.3..0.5",
    "catalog:shop.catalog.public:latency=x2",
)


def simulated(faults: tuple[str, ...] = FAULTS) -> Impact:
    return simulate(from_edges(EDGES), [parse(spec) for spec in faults], trials=400)


def check(impact: Impact) -> CheckResult:
    """A change of three functions, two of them injected (the third has no service)."""
    base = result(
        (
            fn("shop.currency.convert", ChangeKind.MODIFIED, path="shop/currency.py"),
            fn("shop.catalog.public", ChangeKind.MODIFIED, path="shop/catalog.py"),
            fn("shop.money.helper", ChangeKind.MODIFIED, path="shop/money.py"),
        ),
        {"shop.currency.convert": 600.0},
        None,
    )
    return replace(base, impact=impact)


def parse_diagram(text: str) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    """(node id -> label, node id -> class, solid edges) of the flowchart."""
    labels, classes = {}, {}
    for found in re.finditer(r'^  (\w+)[\[(]+"(.*?)"[\])]+:::(\w+)$', text, re.MULTILINE):
        labels[found[1]], classes[found[1]] = found[2], found[3]
    edges = re.findall(r"^  (\w+) --> (\w+)$", text, re.MULTILINE)
    return labels, classes, edges


def test_every_affected_service_drawn_has_the_edge_that_reached_it() -> None:
    impact = simulated()
    affected = {s.service for s in impact.services if s.affected}
    assert {"recommendation", "frontend"} <= affected  # reached only through the call graph
    text = mermaid.blast_radius(check(impact))
    assert text is not None
    labels, classes, edges = parse_diagram(text)
    names = {node: label.split("<br/>")[0].removesuffix(" (front door)") for node, label in labels.items()}
    drawn = {names[node] for node in labels if node.startswith("s")}
    assert drawn >= affected and "ads" not in drawn  # ads is not affected and on no path
    targets = {b for _, b in edges}
    for node, cls in classes.items():
        if node.startswith("s"):
            assert node in targets, f"{names[node]} ({cls}) has no incoming edge"
    by_name = {name: node for node, name in names.items()}
    assert ("change", by_name["currency"]) in edges and ("change", by_name["catalog"]) in edges
    assert (by_name["catalog"], by_name["recommendation"]) in edges
    assert (by_name["currency"], by_name["checkout"]) in edges


def test_the_change_node_names_the_injected_functions() -> None:
    text = mermaid.blast_radius(check(simulated()))
    assert text is not None
    change = parse_diagram(text)[0]["change"]
    assert change.split("<br/>") == ["changed:", "shop.currency.convert", "shop.catalog.public"]
    assert "shop.money.helper" not in text  # changed, but no fault was injected for it


def test_many_injected_functions_are_counted() -> None:
    faults = tuple(f"catalog:shop.catalog.f{i}:error=0.3" for i in range(5))
    change = parse_diagram(mermaid.blast_radius(check(simulated(faults))) or "")[0]["change"]
    assert change.split("<br/>") == [
        "changed:",
        "shop.catalog.f0",
        "shop.catalog.f1",
        "shop.catalog.f2",
        "+2 more",
    ]


def test_latency_is_unknown_or_has_its_digits_never_a_false_zero() -> None:
    text = mermaid.blast_radius(check(simulated()))
    assert text is not None
    labels = {label.split("<br/>")[0]: label for label in parse_diagram(text)[0].values()}
    assert "p90 unknown" in labels["catalog"]  # no latency measured for it
    assert "p90 0.034 ms to " in labels["currency"]
    assert not re.search(r"(?<![\d.])0\.0 ms", text)
    assert mermaid.duration(None) == "unknown"
    assert mermaid.duration(0.034) == "0.034 ms"
    assert mermaid.duration(37.66) == "37.7 ms"
    assert mermaid.duration(1234.4) == "1234 ms"


def test_affected_services_beyond_the_cap_are_counted_never_floating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mermaid, "MAX_SERVICES", 3)
    impact = simulated()
    text = mermaid.blast_radius(check(impact))
    assert text is not None
    labels, _, edges = parse_diagram(text)
    services = [node for node in labels if node.startswith("s")]
    assert len(services) <= 3
    assert all(node in {b for _, b in edges} for node in services)
    hidden = sum(s.affected for s in impact.services) - sum(
        labels[node].split("<br/>")[0].removesuffix(" (front door)")
        in {s.service for s in impact.services if s.affected}
        for node in services
    )
    assert hidden > 0 and f"… {hidden} more affected services" in text and "change -.- more" in text


def test_hostile_service_names_are_inert_in_the_mermaid_diagram() -> None:
    base = sample()
    names = ['cart"]:::x\n  click s0 href "https://evil"', "front```door", "<script>alert(1)</script>"]
    assert base.impact is not None
    services = tuple(replace(s, service=n) for s, n in zip(base.impact.services, names, strict=True))
    slo = replace(
        base.impact.slos[0], service=names[1], critical_path=(names[0], names[1]), name="@team [x](y)"
    )
    impact = replace(base.impact, services=services, slos=(slo,))
    items = list(base.exposure.functions)
    items[0] = replace(items[0], runtime=replace(items[0].runtime, service=names[0]))
    out = render_check(replace(base, impact=impact, exposure=replace(base.exposure, functions=tuple(items))))
    diagram = out.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert out.count("```") == 2  # nothing closed the fence
    lines = diagram.splitlines()
    assert not any(line.strip().startswith(("click", "cart")) for line in lines)  # no injected statements
    assert ":::x" not in diagram and "https://evil" not in diagram and "<script" not in diagram
    assert "@team" not in diagram and "[x](y)" not in diagram
    assert "#34;" in diagram and "#96;#96;#96;" in diagram  # quotes and backticks as entity codes

"""preflight's static call graph against the hand-written cases in ``cases/``.

The cases are checked for well-formedness whether or not the engine exists; the
scoring tests need ``preflight.callgraph`` and are skipped without it.  Run with
``-s`` to see the per-category table; ``python -m bench.callgraph_suite`` writes
the same numbers (and PyCG's) to ``bench/results/callgraph_suite.md``.
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from typing import Any

import pytest

from tests.callgraph.harness import (
    Case,
    Score,
    by_category,
    edges_of,
    load_cases,
    run_preflight,
    score,
    table,
)

MIN_PRECISION = 0.99
MIN_RECALL = 0.80

CASES = load_cases()
CATEGORIES = {
    "imports",
    "implicit_calls",
    "builtin_callbacks",
    "lambdas",
    "flow",
    "module_level",
    "direct_calls",
    "nested",
    "classes",
    "self_cls",
    "inheritance_mro",
    "super",
    "method_kinds",
    "decorators",
    "assigned_functions",
    "callbacks",
    "containers",
    "attribute_types",
    "local_variables",
    "return_values",
    "builtins",
    "externals",
    "unresolved",
    "realistic",
}


def test_suite_size_and_categories() -> None:
    """At least 50 cases, every category present with at least 2 cases (realistic: 1)."""
    counts = Counter(case.category for case in CASES)
    assert len(CASES) >= 50
    assert set(counts) == CATEGORIES
    assert all(n >= 2 for category, n in counts.items() if category != "realistic")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.label)
def test_case_is_well_formed(case: Case) -> None:
    """Sources parse, expected.json is sorted and duplicate-free, and it has a key per module."""
    assert case.sources, "a case needs at least one .py file"
    for path, source in case.sources.items():
        ast.parse(source, filename=path)
    raw = (case.path / "expected.json").read_text(encoding="utf-8")
    assert json.loads(raw) == case.expected
    for caller, callees in case.expected.items():
        assert callees == sorted(set(callees)), f"{caller}: callees must be sorted and unique"
    for path in case.sources:
        parts = path[: -len(".py")].split("/")
        parts = parts[1:] if parts[0] == "src" else parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        assert module in case.expected, f"module {module} has no key"


@pytest.fixture(scope="session")
def preflight_graphs() -> dict[Case, dict[str, list[str]]]:
    """preflight's graph for every case (skips when the engine is not there yet)."""
    pytest.importorskip("preflight.callgraph", reason="preflight.callgraph (the engine) does not exist yet")
    return {case: run_preflight(case) for case in CASES}


@pytest.fixture(scope="session")
def preflight_scores(preflight_graphs: dict[Case, dict[str, list[str]]]) -> dict[str, Score]:
    """Scores per category and overall; prints the table (visible with ``pytest -s``)."""
    scores = {
        case: score(edges_of(graph), case.expected_edges, case.label)
        for case, graph in preflight_graphs.items()
    }
    pooled = by_category(scores)
    counts = Counter(case.category for case in CASES)
    counts["overall"] = len(CASES)
    print("\n" + table({"preflight": pooled}, counts))
    return pooled


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.label)
def test_graph_shape(case: Case, preflight_graphs: dict[Case, Any]) -> None:
    """to_pycg() is a dict of caller -> sorted list of callee strings."""
    graph = preflight_graphs[case]
    assert isinstance(graph, dict)
    for caller, callees in graph.items():
        assert isinstance(caller, str)
        assert isinstance(callees, list)
        assert all(isinstance(callee, str) for callee in callees)
        assert callees == sorted(callees), caller


def test_overall_precision(preflight_scores: dict[str, Score]) -> None:
    """Almost every edge preflight reports is in the hand-written ground truth."""
    overall = preflight_scores["overall"]
    details = "\n".join(overall.false_positives)
    assert overall.precision >= MIN_PRECISION, (
        f"precision {overall.precision:.3f}; false positives:\n{details}"
    )


def test_overall_recall(preflight_scores: dict[str, Score]) -> None:
    """preflight finds most of the hand-written edges."""
    overall = preflight_scores["overall"]
    details = "\n".join(overall.false_negatives)
    assert overall.recall >= MIN_RECALL, f"recall {overall.recall:.3f}; missed edges:\n{details}"

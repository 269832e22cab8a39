"""Load the hand-written call-graph cases and score a call graph against them.

A case is a folder ``cases/<category>/<case>/`` holding a few ``.py`` files and
``expected.json``, a PyCG-style adjacency list (caller -> sorted callees) written
by hand.  Scores are over edges, the set of ``(caller, callee)`` pairs:
precision = |found & expected| / |found|, recall = |found & expected| / |expected|.
Totals are micro-averaged (edges are pooled before dividing), so a category with
many edges weighs more than one with few.  With nothing found precision is 1.0;
with nothing expected recall is 1.0.

Shared by ``tests/callgraph/test_cases.py`` and ``bench/callgraph_suite.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CASES_DIR = Path(__file__).resolve().parent / "cases"

Edge = tuple[str, str]


@dataclass(frozen=True, eq=False)  # hashed by identity: one object per case
class Case:
    """One hand-written case: its sources and its expected graph."""

    category: str
    name: str
    path: Path
    sources: dict[str, str]
    """Case-relative POSIX path -> source text (what ``build`` receives)."""
    expected: dict[str, list[str]]

    @property
    def label(self) -> str:
        """``category/name``, as used in reports and test ids."""
        return f"{self.category}/{self.name}"

    @property
    def expected_edges(self) -> set[Edge]:
        """The expected (caller, callee) pairs."""
        return edges_of(self.expected)


@dataclass
class Score:
    """Edge counts for one case or a pool of cases."""

    found: int = 0
    expected: int = 0
    matched: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of found edges that are expected (1.0 when nothing was found)."""
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        """Share of expected edges that were found (1.0 when nothing was expected)."""
        return self.matched / self.expected if self.expected else 1.0

    def add(self, other: Score) -> None:
        """Pool other's counts and differences into self."""
        self.found += other.found
        self.expected += other.expected
        self.matched += other.matched
        self.false_positives.extend(other.false_positives)
        self.false_negatives.extend(other.false_negatives)


def load_cases(root: Path = CASES_DIR) -> list[Case]:
    """Every case under root, sorted by category then name."""
    cases = []
    for expected_file in sorted(root.glob("*/*/expected.json")):
        case_dir = expected_file.parent
        sources = {
            path.relative_to(case_dir).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(case_dir.rglob("*.py"))
        }
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        cases.append(Case(case_dir.parent.name, case_dir.name, case_dir, sources, expected))
    return cases


def edges_of(graph: Mapping[str, Iterable[str]]) -> set[Edge]:
    """The (caller, callee) pairs of an adjacency list."""
    return {(caller, callee) for caller, callees in graph.items() for callee in callees}


def score(found: set[Edge], expected: set[Edge], label: str = "") -> Score:
    """Compare found edges with expected ones; differences are kept as readable strings."""
    prefix = f"{label}: " if label else ""
    return Score(
        found=len(found),
        expected=len(expected),
        matched=len(found & expected),
        false_positives=[f"{prefix}{a} -> {b}" for a, b in sorted(found - expected)],
        false_negatives=[f"{prefix}{a} -> {b}" for a, b in sorted(expected - found)],
    )


def by_category(scores: Mapping[Case, Score]) -> dict[str, Score]:
    """Scores pooled per category, plus an ``overall`` entry last."""
    pooled: dict[str, Score] = {}
    overall = Score()
    for case, case_score in sorted(scores.items(), key=lambda item: item[0].label):
        pooled.setdefault(case.category, Score()).add(case_score)
        overall.add(case_score)
    pooled["overall"] = overall
    return pooled


def table(columns: Mapping[str, Mapping[str, Score]], case_counts: Mapping[str, int]) -> str:
    """A Markdown table: one row per category, precision/recall (matched/found/expected) per tool."""
    tools = list(columns)
    header = ["category", "cases", "edges"]
    for tool in tools:
        header += [f"{tool} precision", f"{tool} recall"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    categories = list(next(iter(columns.values())))
    for category in categories:
        first = columns[tools[0]][category]
        row = [category if category != "overall" else "**overall**", str(case_counts.get(category, 0))]
        row.append(str(first.expected))
        for tool in tools:
            s = columns[tool][category]
            row += [
                f"{s.precision:.3f} ({s.matched}/{s.found})",
                f"{s.recall:.3f} ({s.matched}/{s.expected})",
            ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def run_preflight(case: Case) -> dict[str, list[str]]:
    """preflight's call graph of a case (raises ImportError when the engine is absent)."""
    from preflight.callgraph import build

    graph: dict[str, list[str]] = build(case.sources).to_pycg()
    return graph

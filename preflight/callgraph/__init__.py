"""Stage 2's static call graph: summarize each file alone (cacheable), then link the whole program.

graph = build({"pkg/mod.py": source, ...})
graph.to_pycg()["pkg.mod.main"]  # ["pkg.mod.helper", "<builtin>.print", ...]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from preflight.callgraph.graph import CallGraph
from preflight.callgraph.model import FileSummary
from preflight.callgraph.program import load
from preflight.callgraph.solver import Solver
from preflight.callgraph.summary import summarize

__all__ = ["CallGraph", "FileSummary", "build", "link", "summarize"]


def link(summaries: Iterable[FileSummary]) -> CallGraph:
    """Resolve every call site of the program the summaries describe."""
    program = load(summaries)
    solver = Solver(program)
    solver.run()
    edges = {module: frozenset(solver.edges.get(module, ())) for module in program.module_files}
    for caller, callees in solver.edges.items():  # class bodies with calls are callers too
        edges[caller] = frozenset(callees)
    for function in program.functions:
        edges.setdefault(function, frozenset())
    return CallGraph(
        edges=edges,
        functions=dict(program.spans),
        external=frozenset(solver.external),
        unresolved=dict(sorted(solver.unresolved.items())),
    )


def build(files: Mapping[str, str]) -> CallGraph:
    """The call graph of files (path -> source text)."""
    return link(summarize(path, source) for path, source in files.items())

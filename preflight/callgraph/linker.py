"""Linking: the call graph of a whole program from its files' summaries (solved from scratch)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from preflight.callgraph.file_summary import FileSummary
from preflight.callgraph.graph import CallGraph
from preflight.callgraph.summary import summarize


def link(summaries: Iterable[FileSummary]) -> CallGraph:
    """Resolve every call site of the program the summaries describe (from scratch)."""
    from preflight.callgraph import fixpoint, hierarchy, program

    linked = program.load(summary.raw() for summary in summaries)
    linked.mro = hierarchy.linearize(linked)
    return fixpoint.graph(linked, fixpoint.solve(linked))


def build(files: Mapping[str, str]) -> CallGraph:
    """The call graph of files (path -> source text)."""
    return link(summarize(path, source) for path, source in files.items())

"""Stage 2's static call graph: summarize each file alone (cacheable), then link the whole program.

graph = build({"pkg/mod.py": source, ...})
graph.to_pycg()["pkg.mod.main"]  # ["pkg.mod.helper", "<builtin>.print", ...]
"""

from __future__ import annotations

from preflight.callgraph.file_summary import FileSummary
from preflight.callgraph.graph import CallGraph
from preflight.callgraph.linker import build, link
from preflight.callgraph.summary import summarize

__all__ = ["CallGraph", "FileSummary", "build", "link", "summarize"]

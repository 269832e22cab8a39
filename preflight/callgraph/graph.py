"""The call graph of a whole program, as stage 2 hands it on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CallGraph:
    """Who calls whom, by dotted names (PyCG's conventions)."""

    edges: Mapping[str, frozenset[str]]
    """Caller -> callees; every repository function and module is a caller key."""
    functions: Mapping[str, tuple[str, int, int]]
    """Every def: qualname -> (path, first line including decorators, last line)."""
    external: frozenset[str]
    """Callees outside the repository (third-party, standard library, `<builtin>.name`)."""
    unresolved: Mapping[str, int]
    """Reason -> number of call sites that reached nothing (counted, never guessed)."""

    def to_pycg(self) -> dict[str, list[str]]:
        """Sorted adjacency lists, the JSON shape PyCG writes."""
        return {caller: sorted(self.edges[caller]) for caller in sorted(self.edges)}

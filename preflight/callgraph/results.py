"""The last index result on disk: the call graph and entry points of one set of files.

A run over exactly the files (paths and blob ids) the last run saw, with the same
entry-point patterns, solver code and pack, reads this file instead of the pack: the pack
holds every summary and the solver's whole state (hundreds of MB on a million lines), the
result only what `check` and `callgraph` use. It is marshal (plain data, nothing runs on
load) behind a header, the key it answers and a CRC-32; a file for other files, another
version or a damaged one is not used (the run then reads the pack as before).
"""

from __future__ import annotations

import marshal
import zlib
from pathlib import Path
from typing import Any

from preflight.callgraph.graph import CallGraph
from preflight.callgraph.store import HEADER, replace_quietly

_MAGIC = b"preflight-result 1\n"
_KEY_SIZE = 16


def write(
    path: Path, key: bytes, graph: CallGraph, entries: tuple[tuple[Any, ...], ...], skipped: int
) -> None:
    """Replace the result at path (atomically; a failure to write is ignored, it only saves time)."""
    body = marshal.dumps(
        (dict(graph.edges), dict(graph.functions), graph.external, dict(graph.unresolved), entries, skipped),
        4,
    )
    replace_quietly(path, [HEADER, _MAGIC, key, zlib.crc32(body).to_bytes(4, "big"), body])


def read(path: Path, key: bytes) -> tuple[CallGraph, tuple[tuple[Any, ...], ...], int] | None:
    """(graph, entry point rows, skipped files) stored under key at path, or None."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(HEADER) + len(_MAGIC) + _KEY_SIZE + 4)
            if head[: -4 - _KEY_SIZE] != HEADER + _MAGIC or head[-4 - _KEY_SIZE : -4] != key:
                return None
            body = handle.read()
    except OSError:
        return None
    if zlib.crc32(body) != int.from_bytes(head[-4:], "big"):
        return None
    try:
        edges, functions, external, unresolved, entries, skipped = marshal.loads(body)
        graph = CallGraph(edges=edges, functions=functions, external=external, unresolved=unresolved)
    except (EOFError, ValueError, TypeError, AttributeError):
        return None
    return graph, tuple(entries), int(skipped)

"""Match what telemetry calls a function to a definition in the repository.

By qualified name first (also when the deployed module has extra leading
packages, `app.shop.cart.f` -> `shop.cart.f`), else by file and line: the path
through `paths.map`, else the repository path sharing the longest suffix with
the deployed one (`/app/shop/cart.py`, `.../site-packages/shop/cart.py`), then
the innermost definition whose span, decorators included, holds the line
(profilers report a decorated function at its first decorator line).

A function that matches nothing counts against the resolution rate only when it could be the
repository's code: not the standard library or an installed package, and, when `paths.map` says
where the repository is deployed, under one of its prefixes (see `outside`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from preflight.models import PathMapping
from preflight.repository import Repository


@dataclass(frozen=True, slots=True)
class CodeDefinition:
    """One function definition in the repository."""

    path: str
    qualname: str
    start: int
    end: int


@dataclass(slots=True)
class CodeIndex:
    """Definitions by qualified name, by path, and path suffixes for deployed paths."""

    by_qualname: dict[str, CodeDefinition] = field(default_factory=dict)
    by_path: dict[str, list[CodeDefinition]] = field(default_factory=dict)
    by_name_suffix: dict[str, list[str]] = field(default_factory=dict)

    def add(self, definition: CodeDefinition) -> None:
        """Index one definition."""
        self.by_qualname[definition.qualname] = definition
        self.by_path.setdefault(definition.path, []).append(definition)

    def finish(self) -> None:
        """Build the lookup structures once everything is added."""
        suffixes: dict[str, list[str]] = defaultdict(list)
        for path in self.by_path:
            parts = PurePosixPath(path).parts
            for i in range(len(parts)):
                suffixes["/".join(parts[i:])].append(path)
        self.by_name_suffix = dict(suffixes)
        for in_file in self.by_path.values():
            in_file.sort(key=lambda d: (d.start, -d.end))


@dataclass(frozen=True, slots=True)
class Resolved:
    """Where a runtime function lives in the repository, and how that was decided."""

    path: str
    qualname: str
    how: str
    """qualname, qualname-suffix, path-map+line or path-suffix+line."""


def resolve(
    index: CodeIndex,
    qualname: str | None,
    file_path: str | None,
    line: int | None,
    path_map: tuple[PathMapping, ...] = (),
) -> Resolved | None:
    """The repository definition a runtime function is, or None when it cannot be told."""
    if qualname:
        found = index.by_qualname.get(qualname)
        if found is not None:
            return Resolved(found.path, found.qualname, "qualname")
        parts = qualname.split(".")
        for i in range(1, len(parts) - 1):
            found = index.by_qualname.get(".".join(parts[i:]))
            if found is not None:
                return Resolved(found.path, found.qualname, "qualname-suffix")
    if file_path and line is not None:
        path, how = repo_path(index, file_path, path_map)
        if path is not None:
            definition = innermost(index.by_path.get(path, []), line)
            if definition is not None:
                return Resolved(definition.path, definition.qualname, f"{how}+line")
    return None


_LIBRARY = re.compile(r"(?:^|/)(?:(?:site|dist)-packages|lib/(?:python|pypy)\d+(?:\.\d+)?t?)/")
"""Installed packages and the standard library of a POSIX interpreter (`lib/python3.12/`): paths
from the recording machine, so recognised by their shape, not by this machine's sysconfig."""


def outside(file_path: str, path_map: tuple[PathMapping, ...] = ()) -> bool:
    """True when a deployed file path cannot be the repository's code: the standard library, an
    installed package, or (when paths.map is set) an absolute path under none of its prefixes."""
    normalized = file_path.replace("\\", "/")
    if _LIBRARY.search(normalized):
        return True
    absolute = normalized.startswith("/") or normalized[1:3] == ":/"
    return absolute and bool(path_map) and not any(normalized.startswith(m.deployed) for m in path_map)


def repo_path(index: CodeIndex, deployed: str, path_map: tuple[PathMapping, ...]) -> tuple[str | None, str]:
    """The repository path of a deployed file path: paths.map first, then the longest unique suffix."""
    normalized = deployed.replace("\\", "/")
    for mapping in path_map:
        if normalized.startswith(mapping.deployed):
            candidate = mapping.repo + normalized[len(mapping.deployed) :]
            candidate = candidate.lstrip("/")
            if candidate in index.by_path:
                return candidate, "path-map"
    parts = [p for p in normalized.split("/") if p not in ("", ".")]
    for i in range(len(parts)):
        matches = index.by_name_suffix.get("/".join(parts[i:]))
        if matches:
            return (matches[0], "path-suffix") if len(matches) == 1 else (None, "ambiguous")
    return None, "unknown"


def innermost(definitions: list[CodeDefinition], line: int) -> CodeDefinition | None:
    """The smallest definition whose span holds the line (definitions sorted by start)."""
    best = None
    for definition in definitions:
        if definition.start > line:
            break  # sorted by start: no later definition can hold the line
        if line <= definition.end and (
            best is None or definition.end - definition.start <= best.end - best.start
        ):
            best = definition
    return best


def index_repository(repo: Repository, revision: str) -> CodeIndex:
    """Every function definition of the Python files at a revision, from the code index's
    per-file summaries (cached by blob id; parsed with tree-sitter, never run)."""
    from preflight.callgraph import cache

    index = CodeIndex()
    for summary in cache.summaries(repo, revision):
        for function in summary.functions:
            index.add(CodeDefinition(summary.path, function.qualname, function.first, function.last))
    index.finish()
    return index

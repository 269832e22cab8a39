"""`preflight callgraph [PATH]`: the static call graph, as PyCG's adjacency list or a summary."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from preflight.errors import GitError, InputError
from preflight.report import document, escaping
from preflight.repository import Repository


def run(
    path: Path,
    fmt: str,
    out: TextIO,
    environ: Mapping[str, str],
    revision: str | None = None,
    err: TextIO | None = None,
) -> int:
    """Index PATH (a directory as on disk, or a checkout at --revision) and print its call graph.

    Symlinks are listed, never followed (one may point out of the repository), and so are
    paths that are not regular files: in the text summary, and on err beside the JSON."""
    from preflight.callgraph import cache

    if not path.is_dir():
        raise InputError(
            f"{escaping.terminal(str(path))}: not a directory; pass the root of the code to analyse"
        )
    if revision is not None:
        with Repository(path) as repo:
            sha = repo.commit_sha(revision)
            if sha is None:
                raise GitError(f"unknown --revision {revision!r}: pass a commit, branch or tag")
            code = cache.index(repo, sha)
            skipped = _not_read(repo.python_links(sha), ())
    else:
        code = cache.index_directory(path, _cache_dir(path, environ))
        skipped = _not_read(code.stats.links, code.stats.special)
    graph, stats = code.graph, code.stats
    if fmt == "json":
        out.write(document.dumps(graph.to_pycg()))  # exactly PyCG's shape, to compare with other tools
        if err is not None and skipped:
            err.write("".join(f"preflight: warning: {line.strip()}\n" for line in skipped))
        return 0
    edges = sum(len(callees) for callees in graph.edges.values())
    lines = [
        f"{stats.files} Python files ({stats.parsed} parsed now, the rest from the cache"
        f"{f', {stats.skipped} skipped: binary, too large or undecodable' if stats.skipped else ''})",
        f"{len(graph.functions)} functions, {edges} call edges, {len(graph.external)} external callees",
    ]
    lines.extend(skipped)
    unresolved = sum(graph.unresolved.values())
    lines.append(f"{len(code.entry_points)} entry points")
    lines.extend(
        f"  {e.kind:<5} {escaping.terminal(e.detail)}  ->  {escaping.terminal(e.qualname)}"
        for e in sorted(code.entry_points, key=lambda e: (e.kind, e.qualname))[:50]
    )
    lines.append(f"{unresolved} call sites not resolved (counted, never guessed)")
    lines.extend(
        f"  {count:>6}  {escaping.terminal(reason)}"
        for reason, count in sorted(graph.unresolved.items(), key=lambda r: -r[1])
    )
    out.write("\n".join(lines) + "\n")
    return 0


def _not_read(links: tuple[str, ...], special: tuple[str, ...]) -> list[str]:
    """Summary lines for the .py paths the index did not read."""
    lines = []
    for paths, what in ((links, "not followed"), (special, "not a regular file, not read")):
        if paths:
            noun = "symlink" if paths is links else "special file"
            shown = ", ".join(escaping.terminal(p) for p in paths[:10]) + (" ..." if len(paths) > 10 else "")
            lines.append(f"{len(paths)} {noun}{'s' * (len(paths) != 1)} {what}: {shown}")
    return lines


def _cache_dir(path: Path, environ: Mapping[str, str]) -> Path:
    """The enclosing clone's git directory, else the user cache directory."""
    from preflight.callgraph import cache

    try:
        with Repository(path) as repo:
            return cache.default_cache_dir(repo)
    except GitError:
        base = environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME", "."), ".cache")
        return Path(base) / "preflight" / "index" / cache.FORMAT

"""`preflight changes`: stage 1 alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from preflight import changes as stage
from preflight.changes.revisions import resolve_ranges
from preflight.report import document, text
from preflight.repository import Repository


def run(
    repo_dir: Path,
    base: str | None,
    head: str | None,
    fmt: str,
    out: TextIO,
    environ: Mapping[str, str],
    pre_push: Iterable[str] | None = None,
    remote: str | None = None,
) -> int:
    """Print the changed files and functions; always exit 0 (it is not a gate)."""
    with Repository(repo_dir) as repo:
        for revisions in resolve_ranges(repo, base, head, environ, pre_push, remote):
            change_set = stage.compute(repo, revisions)
            if fmt == "json":
                out.write(document.dumps(document.changes_document(change_set)))
            elif not change_set.files:
                out.write("nothing to check: no files changed\n")
            else:
                out.write(text.changes_text(change_set))
    return 0

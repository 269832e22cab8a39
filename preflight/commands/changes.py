"""`preflight changes`: stage 1 alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from preflight.changes import changeset as stage
from preflight.commands import Target
from preflight.report import document, text
from preflight.repository import Repository


def run(target: Target, fmt: str, out: TextIO, environ: Mapping[str, str]) -> int:
    """Print the changed files and functions; always exit 0 (it is not a gate)."""
    with Repository(target.repo_dir) as repo:
        for revisions in target.ranges(repo, environ):
            change_set = stage.compute(repo, revisions)
            if fmt == "json":
                out.write(document.dumps(document.changes_document(change_set)))
            elif not change_set.files:
                out.write("nothing to check: no files changed\n")
            else:
                out.write(text.changes_text(change_set))
    return 0

"""Helpers shared by the tests of preflight.repository."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git


def blob(repo: Path, rev: str, path: str) -> str:
    """The blob id of path at rev."""
    return git(repo, "rev-parse", f"{rev}:{path}")

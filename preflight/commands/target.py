"""The repository a command reads and how its revision ranges are picked (--base/--head, GitHub
Actions, or git's pre-push input)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from preflight.changes.revisions import resolve_ranges
from preflight.event import Event
from preflight.models import RevisionRange
from preflight.repository import Repository


@dataclass(frozen=True, slots=True)
class Target:
    """The repository a command reads and how to pick its revision ranges."""

    repo_dir: Path
    base: str | None = None
    head: str | None = None
    pre_push: tuple[str, ...] | None = None
    """git's pre-push standard input lines, when running as the hook."""
    remote: str | None = None
    """The remote being pushed to (the hook's first argument)."""
    worktree: bool = False
    """--worktree: the work tree (uncommitted edits included) against the base, as the head."""

    def ranges(
        self, repo: Repository, environ: Mapping[str, str], event: Event | None = None
    ) -> tuple[RevisionRange, ...]:
        """Every range to check (event: the GitHub event already read, else read when needed)."""
        return resolve_ranges(
            repo, self.base, self.head, environ, self.pre_push, self.remote, event, self.worktree
        )

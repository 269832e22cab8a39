"""Non-merge commits per author up to a commit, kept in the git directory between runs.

An author's experience (features.author_experience) is the number of non-merge commits by that
author e-mail (after .mailmap, lower case, as the full pass reads %aE) reachable from a commit.
Counting them is one walk over every commit of the history, the slowest part of scoring a
pending change on a large repository. So the counts of the last commit asked about are kept in
CACHE (under the git directory, never committed), and for another commit only the commits
reachable from one of the two but not the other are read (`git log --left-right A...B`):
exact for any two commits, and short when they are close, as a pre-push hook's merge bases are.
A cache that cannot be read or written (read-only clone, damaged file) only costs the full walk.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from pathlib import Path

from preflight import repository
from preflight.errors import GitError
from preflight.files import write_atomic

CACHE = Path("preflight") / "history" / "authors.json"
"""Where the counts live, relative to the git directory."""
FORMAT = 1


def _tally(text: str, counts: Counter[str]) -> Counter[str]:
    for line in text.splitlines():
        if line.startswith(("<", ">")):
            counts[line[1:].lower()] += 1 if line[0] == ">" else -1
        elif line:
            counts[line.lower()] += 1
    return counts


class AuthorCounts:
    """Counting started at construction (its git process runs meanwhile); result() finishes it."""

    def __init__(self, repo: Path, git_dir: Path, tip: str) -> None:
        self._repo, self._file, self._tip = repo, git_dir / CACHE, tip
        self._cached: tuple[str, Counter[str]] | None = None
        try:
            document = json.loads(self._file.read_text(encoding="utf-8"))
            if document.get("version") == FORMAT:
                self._cached = (
                    str(document["commit"]),
                    Counter({str(k): int(v) for k, v in document["authors"].items()}),
                )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._cached = None
        since = self._cached[0] if self._cached else None
        self._run = None if since == tip else repository.start_authors(repo, tip, since)

    def result(self) -> Counter[str]:
        """Commits per author e-mail reachable from the tip."""
        if self._run is None:
            assert self._cached is not None
            return self._cached[1]
        try:
            counts = _tally(self._run.text(), Counter(self._cached[1]) if self._cached else Counter())
        except GitError:  # the cached commit is gone (rewritten history, gc): count from scratch
            counts = _tally(repository.start_authors(self._repo, self._tip).text(), Counter())
        document = {
            "version": FORMAT,
            "commit": self._tip,
            "authors": {k: v for k, v in counts.items() if v > 0},
        }
        with contextlib.suppress(OSError):  # a cache that cannot be written costs the next run a walk
            write_atomic(self._file, json.dumps(document, separators=(",", ":")))
        return counts

"""SZZ labels: the commits whose lines later fix commits had to change are bug-inducing.

For every fix commit of the range (see features.FIX_PATTERN), the lines it
deletes or modifies in non-test .py files are blamed in the fix's parent, one
`git blame --porcelain -w` per (fix, file) with all of that file's line ranges.
Blank and comment-only lines are skipped, and whitespace changes are ignored,
as in the AG-SZZ refinement. The diffs of all fixes come from one `git log` process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from preflight import repository
from preflight.globs import TEST_GLOBS, matches
from preflight.history.features import CommitFeatures

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_BLAME = re.compile(r"^([0-9a-f]{40}) \d+ \d+")


@dataclass(frozen=True, slots=True)
class FixDiff:
    """The old-side lines one fix commit deleted or modified in one file."""

    fix: str
    parent: str
    path: str
    """Path in the parent (before a rename)."""
    lines: tuple[int, ...]
    """1-based line numbers in the parent."""


@dataclass(frozen=True, slots=True)
class Szz:
    """Links from bug-inducing commits to the fixes that blamed them."""

    links: tuple[tuple[str, str], ...]
    """(inducing sha, fix sha) pairs."""
    fixes: int
    """Fix commits examined."""
    blames: int
    """git blame processes run."""

    def inducing(self, fixes: Iterable[str] | None = None) -> set[str]:
        """Bug-inducing commits, optionally as known from only the given fix commits."""
        allowed = None if fixes is None else set(fixes)
        return {bug for bug, fix in self.links if allowed is None or fix in allowed}


def _meaningful(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("#")


def parse_fix_diffs(text: str) -> Iterator[FixDiff]:
    """FixDiffs from `git log -p -U0 --format=%x1e%H%x1f%P` output."""
    for record in text.split("\x1e"):
        head, _, body = record.partition("\n")
        fields = head.split("\x1f")
        if len(fields) != 2 or not fields[1]:
            continue
        sha, parent = fields[0], fields[1].split()[0]
        path: str | None = None
        lines: list[int] = []
        old = remaining = 0
        for line in body.split("\n"):
            if remaining and line.startswith("-"):  # hunk content, even when it looks like a header
                if path is not None and _meaningful(line[1:]):
                    lines.append(old)
                old += 1
                remaining -= 1
            elif line.startswith("diff --git "):
                if path and lines:
                    yield FixDiff(sha, parent, path, tuple(lines))
                path, lines, remaining = None, [], 0
            elif line.startswith("--- "):
                name = line[4:].rstrip("\t")
                path = name[2:] if name.startswith("a/") else None
            elif match := _HUNK.match(line):
                old = int(match.group(1))
                remaining = int(match.group(2)) if match.group(2) is not None else 1
        if path and lines:
            yield FixDiff(sha, parent, path, tuple(lines))


def _ranges(lines: tuple[int, ...]) -> list[tuple[int, int]]:
    """(first, last) line ranges covering the lines with as few ranges as possible."""
    spans: list[tuple[int, int]] = []
    for n in sorted(set(lines)):
        if spans and n == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    return spans


def fix_diffs(repo: Path, fixes: list[str]) -> list[FixDiff]:
    """The deleted/modified old lines of non-test .py files of the fixes, from one git process."""
    if not fixes:
        return []
    diffs = parse_fix_diffs(repository.commit_patches(repo, fixes, "*.py"))
    return [d for d in diffs if d.path.endswith(".py") and not matches(d.path, TEST_GLOBS)]


def blame(repo: Path, diff: FixDiff) -> set[str]:
    """The commits that last changed the diff's lines in the fix's parent (whitespace ignored)."""
    out = repository.blame_porcelain(repo, diff.parent, diff.path, _ranges(diff.lines))
    if out is None:  # e.g. a line range past the end after an odd rename: skip this file
        return set()
    return {m.group(1) for line in out.split("\n") if (m := _BLAME.match(line))}


def label(
    repo: str | Path,
    commits: tuple[CommitFeatures, ...],
    progress: Callable[[int, int], None] | None = None,
) -> Szz:
    """SZZ links for the fix commits among commits (only commits of the range are fixes or labelled)."""
    path = Path(repo)
    fixes = [c.sha for c in commits if c.get("is_fix")]
    diffs = fix_diffs(path, fixes)
    known = {c.sha for c in commits}
    links: set[tuple[str, str]] = set()
    for done, diff in enumerate(diffs, 1):
        for bug in blame(path, diff):
            if bug in known and bug != diff.fix:
                links.add((bug, diff.fix))
        if progress is not None:
            progress(done, len(diffs))
    return Szz(tuple(sorted(links)), len(fixes), len(diffs))

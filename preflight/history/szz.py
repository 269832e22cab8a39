"""SZZ labels: the commits whose lines later fix commits had to change are bug-inducing.

For every fix commit of the range (fixes.is_fix: the message, then the diff), the lines it
deletes or modifies in production .py files (not tests, not vendored code) are blamed in the
fix's parent, one `git blame --porcelain -w` per (fix, file) with all of that file's line
ranges, several at once. Blank and comment-only lines are skipped, and whitespace changes are
ignored, as in the AG-SZZ refinement. The diffs of all fixes come from one `git log` process.

Blame looks through commits that change no behaviour (the repository's
`.git-blame-ignore-revs` at the tip, and every blamed commit that cosmetic.cosmetic_commits
finds to be formatting, comments, docstrings or moves: those are blamed again with
--ignore-revs-file, until no new one turns up), and never blames an initial import (a root
commit, or one that says it imports code from elsewhere). A revert links the reverted commit
directly. with window_days, only fixes within that many days of the commit they blame count
(the "follow-up fix within N days" label).

Speed (a 13,000-commit history blames about 2,000 times): the blames run WORKERS at a time, each
reading a commit-graph with changed-path Bloom filters written for the run into a temporary object
directory (the repository's own when it has one; nothing is written in the repository), which
halves the work of a blame on a long history; the blamed commits are checked for being cosmetic
in batches while the next blames run, not after the round. Neither changes a label: a round's
ignore list is complete before the next round starts.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from preflight import repository
from preflight.history.cosmetic import cosmetic_commits
from preflight.history.features import CommitFeatures, is_production_python
from preflight.history.fixes import Message, is_fix, is_initial_import, is_revert, parse_messages

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_BLAME = re.compile(r"^([0-9a-f]{40}) \d+ \d+")
WORKERS = max(2, os.cpu_count() or 1)
"""git blame processes run at once (each mostly waits on git's object reads)."""
ROUNDS = 3
"""Blame passes at most: each looks through the cosmetic commits the one before blamed."""
BATCH = 32
"""Newly blamed commits checked for being cosmetic at once (two git processes a batch), while
the blames go on."""


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
    """(inducing sha, fix or revert sha) pairs."""
    fixes: int
    """Fix commits examined."""
    blames: int
    """git blame processes run."""
    failed_blames: int = 0
    """Blames git refused (an unreadable blob, a range past the end): those lines are not labelled."""
    ignored: tuple[str, ...] = ()
    """Commits blame looked through (cosmetic, or listed in .git-blame-ignore-revs) or never
    blamed (initial imports)."""
    reverts: int = 0
    """Revert commits whose reverted commit is in the range (each a link)."""

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


def fix_diffs(repo: Path, fixes: list[str], exclude: Sequence[str] = ()) -> list[FixDiff]:
    """The deleted/modified old lines of production .py files of the fixes, from one git process
    (the paths of exclude left out: their blobs cannot be read)."""
    if not fixes:
        return []
    diffs = parse_fix_diffs(repository.commit_patches(repo, fixes, "*.py", exclude))
    return [d for d in diffs if is_production_python(d.path)]


def blame(
    repo: Path, diff: FixDiff, ignore_revs: Path | None = None, objects: Path | None = None
) -> set[str] | None:
    """The commits that last changed the diff's lines in the fix's parent (whitespace ignored, the
    commits of ignore_revs looked through; objects: an extra object directory, the commit graph's);
    None when git refuses."""
    out = repository.blame_porcelain(repo, diff.parent, diff.path, _ranges(diff.lines), ignore_revs, objects)
    if out is None:  # e.g. a line range past the end after an odd rename, an unreadable blob
        return None
    return {m.group(1) for line in out.split("\n") if (m := _BLAME.match(line))}


def _commit_graph(repo: Path, tip: str, into: Path) -> Path | None:
    """An object directory holding a commit-graph with changed-path filters for blame to read,
    written under into; None when the repository has its own (git reads that) or git cannot."""
    if repository.has_path_filters(repo, repository.common_dir(repo)):
        return None
    objects = into / "objects"
    return objects if repository.write_commit_graph(repo, tip, objects) else None


def _cosmetic_as_blamed(
    repo: Path,
    futures: dict[Future[set[str] | None], int],
    blamed: list[set[str] | None],
    seen: set[str],
    known: set[str],
    done: Callable[[], None],
) -> set[str]:
    """Collect the blames of futures into blamed (by index) as they finish, and return the cosmetic
    commits among the newly blamed ones of known (seen: already checked, or never blamed), checked
    BATCH at a time while the other blames run."""
    fresh: set[str] = set()
    batch: list[str] = []
    cosmetic: set[str] = set()
    for future in as_completed(futures):
        blamed[futures[future]] = found = future.result()
        done()
        for bug in sorted((found or set()) & known - seen - fresh):
            fresh.add(bug)
            batch.append(bug)
        if len(batch) >= BATCH:
            cosmetic |= cosmetic_commits(repo, batch)
            batch = []
    return cosmetic | cosmetic_commits(repo, batch)


def _listed_ignores(repo: Path, tip: str) -> set[str]:
    """The full shas of `.git-blame-ignore-revs` at tip (comments and unknown revisions skipped)."""
    data = repository.read_blobs(repo, [f"{tip}:.git-blame-ignore-revs"])[0]
    if not data:
        return set()
    names = [line.split("#", 1)[0].strip() for line in data.decode("utf-8", "replace").splitlines()]
    return {name for name in names if len(name) == 40 and all(c in "0123456789abcdef" for c in name)}


def label(
    repo: str | Path,
    commits: tuple[CommitFeatures, ...],
    progress: Callable[[int, int], None] | None = None,
    exclude: Sequence[str] = (),
    tip: str = "HEAD",
    window_days: float | None = None,
    workers: int = WORKERS,
    commit_graph: bool = True,
) -> Szz:
    """SZZ links for the fix commits among commits (only commits of the range are fixes or labelled);
    exclude: paths whose blobs cannot be read (features.History.unreadable). workers: blames at
    once; commit_graph: write one for blame to read (neither changes the result)."""
    path = Path(repo)
    messages = parse_messages(repository.start_messages(path, tip).text())
    known = {c.sha: c for c in commits}
    fallback = {c.sha: Message(c.sha, 1, c.subject, "") for c in commits}
    read = {sha: messages.get(sha, fallback[sha]) for sha in known}
    fixes = [sha for sha, message in read.items() if is_fix(message)]
    never = {sha for sha, message in read.items() if is_initial_import(message)}
    links: set[tuple[str, str]] = set()
    reverts = 0
    for sha, message in read.items():
        if (target := is_revert(message)) is not None:
            match = [bug for bug in known if bug.startswith(target)]
            if len(match) == 1 and match[0] != sha:
                links.add((match[0], sha))
                reverts += 1
    diffs = fix_diffs(path, fixes, exclude)
    total, count = len(diffs), 0

    def tick() -> None:
        nonlocal count
        count += 1
        if progress is not None:
            progress(count, total)

    ignored = _listed_ignores(path, tip)
    checked: set[str] = set()
    blamed: list[set[str] | None] = [None] * len(diffs)
    pending = list(range(len(diffs)))
    blames = failed = 0
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=workers) as pool:
        objects = _commit_graph(path, tip, Path(tmp)) if diffs and commit_graph else None
        revs_file = Path(tmp) / "ignore-revs"
        for _ in range(ROUNDS):
            revs_file.write_text("".join(f"{sha}\n" for sha in sorted(ignored)), encoding="utf-8")
            revs = revs_file if ignored else None
            futures = {pool.submit(blame, path, diffs[i], revs, objects): i for i in pending}
            newly = _cosmetic_as_blamed(path, futures, blamed, checked | never, set(known), tick)
            blames += len(pending)
            checked |= {bug for i in pending for bug in (blamed[i] or ()) if bug in known} - never
            if not newly:
                break
            ignored |= newly
            pending = [i for i in pending if blamed[i] and blamed[i] & newly]  # type: ignore[operator]
            total += len(pending)
    for diff, bugs in zip(diffs, blamed, strict=True):
        if bugs is None:
            failed += 1
            continue
        fix_time = known[diff.fix].time
        for bug in bugs:
            if bug not in known or bug == diff.fix or bug in never or bug in ignored:
                continue
            if window_days is not None and fix_time - known[bug].time > window_days * 86400:
                continue
            links.add((bug, diff.fix))
    return Szz(
        tuple(sorted(links)),
        len(fixes),
        blames,
        failed,
        tuple(sorted((ignored & set(known)) | never)),
        reverts,
    )

"""Just-in-time change-risk features for every commit of a range, in one pass over history.

One `git log --numstat` process streams the whole history oldest first; per-file
state (churn, fix count, authors, last change) is updated after each commit, so
the features of a commit only see the commits before it. Merge commits get no
features (their changes are the merged commits'), but they are recorded so an
incidents file can name a pull request by its merge.

Fix commits: the subject (first paragraph) matches FIX_PATTERN. Files are
classified by the globs below; a pattern without "/" matches the basename, one
with "/" matches the whole path (fnmatch: "*" also crosses directories).
Function-level features (complexity change, signature changes) are not computed.
"""

from __future__ import annotations

import math
import re
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from preflight.errors import GitError

FIX_PATTERN = re.compile(r"\b(fix|fixe[sd]|fixing|bugs?|defects?|patch|crash|regression|errors?)\b", re.I)
"""What makes a commit a fix: one of these words in its subject, word-bounded, any case."""

CONFIG_GLOBS = (
    "*.ini",
    "*.cfg",
    "*.conf",
    "*.toml",
    "*.yml",
    "*.yaml",
    ".env*",
    "Dockerfile*",
    "settings.py",
)
MIGRATION_GLOBS = ("*/migrations/*", "migrations/*", "*/alembic/*", "alembic/*", "*.sql")
DEPENDENCY_GLOBS = (
    "requirements*.txt",
    "requirements/*",
    "*/requirements/*",
    "constraints*.txt",
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "environment.yml",
)
TEST_GLOBS = ("test_*.py", "*_test.py", "conftest.py", "tests/*", "*/tests/*", "test/*", "*/test/*")

FEATURES = (
    "lines_added",
    "lines_deleted",
    "files",
    "directories",
    "subsystems",
    "entropy",
    "new_files",
    "file_size",
    "past_changes",
    "past_churn",
    "past_fixes",
    "developers",
    "author_experience",
    "author_file_experience",
    "age_days",
    "config_files",
    "migration_files",
    "dependency_files",
    "test_files",
    "is_fix",
)
"""Feature names, in the order of CommitFeatures.values."""

_SEP = "\x1e"
_FORMAT = "%x1e%H%x1f%P%x1f%aE%x1f%ct%x1f%s"
_DAY = 86400.0


def is_fix(subject: str) -> bool:
    """True when a commit subject says it fixes something (see FIX_PATTERN)."""
    return FIX_PATTERN.search(subject) is not None


def matches(path: str, globs: tuple[str, ...]) -> bool:
    """True when path matches one of globs (basename globs have no "/")."""
    base = path.rsplit("/", 1)[-1]
    return any(fnmatchcase(path if "/" in g else base, g) for g in globs)


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file of a commit, as `git log --numstat` reports it."""

    path: str
    """Path after the commit."""
    old_path: str | None
    """Path before a rename, else None."""
    added: int
    """Lines added (0 for binary files)."""
    deleted: int
    """Lines deleted (0 for binary files)."""


@dataclass(frozen=True, slots=True)
class LogCommit:
    """One commit as the history stream delivers it."""

    sha: str
    parents: tuple[str, ...]
    author: str
    """Author e-mail, lower case, after .mailmap."""
    time: int
    """Committer time, seconds since the epoch."""
    subject: str
    files: tuple[FileChange, ...]


@dataclass(frozen=True, slots=True)
class CommitFeatures:
    """The features of one non-merge commit, computed from the history before it."""

    sha: str
    time: int
    author: str
    subject: str
    values: tuple[float, ...]
    """One value per name in FEATURES."""

    def get(self, name: str) -> float:
        """The value of one feature by name."""
        return self.values[FEATURES.index(name)]


@dataclass(frozen=True, slots=True)
class History:
    """Features of the commits of a range (oldest first) and the merges met on the way."""

    commits: tuple[CommitFeatures, ...]
    merges: tuple[LogCommit, ...]
    seconds: float
    """Wall time of the extraction."""


@dataclass(slots=True)
class _FileState:
    changes: int = 0
    churn: int = 0
    fixes: int = 0
    size: int = 0
    last_time: int | None = None
    authors: set[str] = field(default_factory=set)


def parse_record(record: str) -> LogCommit | None:
    """Parse one `git log -z --numstat` record (the text after a record separator)."""
    header, _, rest = record.partition("\0")
    parts = header.split("\x1f")
    if len(parts) != 5:
        return None
    sha, parents, author, time, subject = parts
    tokens = rest.lstrip("\n").split("\0")
    files: list[FileChange] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        i += 1
        fields = token.split("\t")
        if len(fields) != 3:
            continue
        added = int(fields[0]) if fields[0].isdigit() else 0
        deleted = int(fields[1]) if fields[1].isdigit() else 0
        if fields[2]:
            files.append(FileChange(fields[2], None, added, deleted))
        elif i + 1 < len(tokens):  # a rename: old and new path follow as their own fields
            files.append(FileChange(tokens[i + 1], tokens[i], added, deleted))
            i += 2
    return LogCommit(sha, tuple(parents.split()), author.lower(), int(time), subject, tuple(files))


def stream_log(repo: Path, tip: str) -> Iterator[LogCommit]:
    """Every commit reachable from tip, oldest first (parents before children), with numstat."""
    args = ["git", "-C", str(repo), "-c", "core.quotepath=off", "log", "-z", "--reverse", "--date-order"]
    args += ["-M", "--numstat", "--no-ext-diff", "--no-textconv", f"--format={_FORMAT}", tip, "--"]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        pending = ""
        for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):  # type: ignore[union-attr]
            pending += chunk.decode("utf-8", "replace")
            *records, pending = pending.split(_SEP)
            for record in records:
                if record and (commit := parse_record(record)) is not None:
                    yield commit
        if pending and (commit := parse_record(pending)) is not None:
            yield commit
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.wait() != 0:
            raise GitError(f"git log {tip} failed in {repo}: {stderr.strip()}")


def resolve_range(repo: Path, range_: str | None) -> tuple[str, set[str] | None]:
    """(tip, commits of the range or None for all of tip's history) for "A..B", "B" or None (HEAD)."""
    tip = (range_ or "HEAD").split("..")[-1] or "HEAD"
    if range_ is None or ".." not in range_:
        return tip, None
    done = subprocess.run(["git", "-C", str(repo), "rev-list", range_, "--"], capture_output=True, text=True)
    if done.returncode != 0:
        raise GitError(f"unknown range {range_!r} in {repo}: {done.stderr.strip()}; pass --range A..B")
    return tip, set(done.stdout.split())


class _Tracker:
    """Per-file and per-author history, updated one commit at a time."""

    def __init__(self) -> None:
        self.files: defaultdict[str, _FileState] = defaultdict(_FileState)
        self.author_commits: defaultdict[str, int] = defaultdict(int)
        self.author_file: defaultdict[tuple[str, str], int] = defaultdict(int)

    def features(self, commit: LogCommit) -> tuple[float, ...]:
        """The feature values of commit from the history seen so far (before it)."""
        files = commit.files
        lines = [f.added + f.deleted for f in files]
        total = sum(lines)
        entropy = 0.0 - sum(n / total * math.log2(n / total) for n in lines if n) if total else 0.0
        dirs = {f.path.rsplit("/", 1)[0] if "/" in f.path else "" for f in files}
        subsystems = {f.path.split("/", 1)[0] if "/" in f.path else "" for f in files}
        states = [self.files.get(f.old_path or f.path) for f in files]
        known = [s for s in states if s is not None and s.changes]
        developers: set[str] = set().union(*(s.authors for s in known)) if known else set()
        ages = [(commit.time - s.last_time) / _DAY for s in known if s.last_time is not None]
        own = sum(self.author_file.get((commit.author, f.old_path or f.path), 0) for f in files)
        return (
            float(sum(f.added for f in files)),
            float(sum(f.deleted for f in files)),
            float(len(files)),
            float(len(dirs)),
            float(len(subsystems)),
            entropy,
            float(len(files) - len(known)),
            float(sum(max(s.size, 0) for s in known)),
            float(sum(s.changes for s in known)),
            float(sum(s.churn for s in known)),
            float(sum(s.fixes for s in known)),
            float(len(developers)),
            float(self.author_commits.get(commit.author, 0)),
            float(own),
            max(0.0, sum(ages) / len(ages)) if ages else 0.0,
            float(sum(matches(f.path, CONFIG_GLOBS) for f in files)),
            float(sum(matches(f.path, MIGRATION_GLOBS) for f in files)),
            float(sum(matches(f.path, DEPENDENCY_GLOBS) for f in files)),
            float(sum(matches(f.path, TEST_GLOBS) for f in files)),
            float(is_fix(commit.subject)),
        )

    def update(self, commit: LogCommit) -> None:
        """Record commit in the history."""
        fix = is_fix(commit.subject)
        self.author_commits[commit.author] += 1
        for f in commit.files:
            if f.old_path is not None and f.old_path in self.files:
                self.files[f.path] = self.files.pop(f.old_path)
                for author in self.files[f.path].authors:
                    moved = self.author_file.pop((author, f.old_path), 0)
                    self.author_file[(author, f.path)] += moved
            state = self.files[f.path]
            state.changes += 1
            state.churn += f.added + f.deleted
            state.fixes += fix
            state.size += f.added - f.deleted
            state.last_time = commit.time
            state.authors.add(commit.author)
            self.author_file[(commit.author, f.path)] += 1


def extract(
    repo: str | Path,
    range_: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> History:
    """Features of every non-merge commit of range_ ("A..B", a ref, or None for HEAD), oldest first."""
    import time

    started = time.perf_counter()
    path = Path(repo)
    tip, selected = resolve_range(path, range_)
    tracker = _Tracker()
    commits: list[CommitFeatures] = []
    merges: list[LogCommit] = []
    for seen, commit in enumerate(stream_log(path, tip), 1):
        if len(commit.parents) > 1:
            merges.append(commit)
        elif selected is None or commit.sha in selected:
            values = tracker.features(commit)
            commits.append(CommitFeatures(commit.sha, commit.time, commit.author, commit.subject, values))
        if len(commit.parents) <= 1:
            tracker.update(commit)
        if progress is not None and seen % 500 == 0:
            progress(seen)
    return History(tuple(commits), tuple(merges), time.perf_counter() - started)

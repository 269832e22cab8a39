"""Just-in-time change-risk features for every commit of a range, in one pass over history.

One `git log --numstat -p` process streams the whole history oldest first; per-file
state (changes, fixes, authors, size, last change) and repository-wide call-site counts are
updated after each commit, so the features of a commit only see the commits before it (in
that order: `--date-order`, so a commit on another branch may count as "before"). Merge
commits get no features (their changes are the merged commits'), but they are recorded so an
incidents file can name a pull request by its merge.

Fix commits (is_fix, past_fixes): the subject names a fix and is not about typos, lint, style,
docs, tests or CI, nor a revert (fixes.subject_says_fix). Files are
classified by the globs below (test files by preflight.globs.TEST_GLOBS, one list with
the non-production defaults); a pattern without "/" matches the basename, one
with "/" matches the whole path (fnmatch: "*" also crosses directories).

Function-level features come from the hunks of .py files (see preflight.history.code):
complexity_change is decision points added minus removed, signature_changes the functions
whose parameter list changed, signature_callers the call sites of those names in the
repository before the commit; the first two skip test files. The call sites are counted per
added line and uncounted per removed line over every .py file (tests included) as the stream
passes, so they are the running sum of the diffs (merge resolutions are not seen).

There is no "past churn" (lines changed by the touched files' earlier commits): scoring one
pending change would then need a content diff of every old version of its files, most of the
time of preflight.history.pending on files with long histories, and past_changes and
file_size say nearly the same.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from preflight import repository
from preflight.errors import GitError
from preflight.globs import TEST_GLOBS, matches
from preflight.history import code
from preflight.history.fixes import subject_says_fix
from preflight.history.log import CommitFile, LogCommit, PythonHunks, parse_record, records

__all__ = [
    "FEATURES",
    "CommitFeatures",
    "CommitFile",
    "History",
    "LogCommit",
    "extract",
    "is_fix",
]

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

VENDORED_GLOBS = (
    "vendor/*",
    "*/vendor/*",
    "_vendor/*",
    "*/_vendor/*",
    "vendored/*",
    "*/vendored/*",
    "third_party/*",
    "*/third_party/*",
    "thirdparty/*",
    "*/thirdparty/*",
    "extern/*",
    "*/extern/*",
    "externals/*",
    "*/externals/*",
)
"""Code copied from other projects: its lines are never blamed (their bugs are not this project's changes)."""


def is_production_python(path: str) -> bool:
    """A .py file that is neither a test nor vendored code."""
    return path.endswith(".py") and not matches(path, TEST_GLOBS) and not matches(path, VENDORED_GLOBS)


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
    "complexity_change",
    "signature_changes",
    "signature_callers",
    "prod_lines_added",
    "prod_lines_deleted",
    "prod_files",
    "test_lines_added",
    "defs_added",
    "defs_removed",
    "exceptions_touched",
    "conditions_touched",
)
"""Feature names, in the order of CommitFeatures.values."""

_DAY = 86400.0


def is_fix(subject: str) -> bool:
    """True when a commit subject says it fixes a bug in behaviour (fixes.subject_says_fix)."""
    return subject_says_fix(subject)


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
    unreadable: tuple[str, ...] = ()
    """Paths left out of every commit's diff because git could not read one of their blobs."""


@dataclass(slots=True)
class _FileState:
    changes: int = 0
    fixes: int = 0
    size: int = 0
    last_time: int | None = None
    authors: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class CodeChange:
    """What the .py hunks of one commit say about its functions (see preflight.history.code)."""

    complexity: int
    """Decision points added minus removed, test files skipped."""
    signatures: tuple[str, ...]
    """Names of functions whose parameter list changed (once per file), test files skipped."""
    calls: Counter[str]
    """Call sites added minus removed, by name, over every .py file."""
    defs_added: int = 0
    """Functions defined in added lines and not in removed ones (production files, once per file)."""
    defs_removed: int = 0
    """Functions defined in removed lines and not in added ones (production files)."""
    exceptions: int = 0
    """try/except/finally/raise keywords on added or removed production lines."""
    conditions: int = 0
    """if/elif/else/while keywords on added or removed production lines."""


_EXCEPTIONS = re.compile(r"^[ \t]*(?:try|except|finally|raise)\b", re.M)
_CONDITIONS = re.compile(r"^[ \t]*(?:if|elif|else|while)\b", re.M)


def code_change(hunks: Iterable[PythonHunks]) -> CodeChange:
    """Measure the .py hunks of one change."""
    complexity = defs_added = defs_removed = exceptions = conditions = 0
    names: list[str] = []
    calls: Counter[str] = Counter()
    for hunk in hunks:
        calls.update(code.call_sites(hunk.added))
        calls.subtract(code.call_sites(hunk.removed))
        if not matches(hunk.path, TEST_GLOBS):
            complexity += code.decision_points(hunk.added) - code.decision_points(hunk.removed)
            names += code.changed_signatures(hunk.removed, hunk.added)
        if is_production_python(hunk.path):
            before, after = code.signatures(hunk.removed).keys(), code.signatures(hunk.added).keys()
            defs_added += len(after - before)
            defs_removed += len(before - after)
            for text in (hunk.added, hunk.removed):
                exceptions += len(_EXCEPTIONS.findall(text))
                conditions += len(_CONDITIONS.findall(text))
    return CodeChange(complexity, tuple(names), calls, defs_added, defs_removed, exceptions, conditions)


class Tracker:
    """Per-file, per-author and call-site history, updated one commit at a time."""

    def __init__(self) -> None:
        self.files: defaultdict[str, _FileState] = defaultdict(_FileState)
        self.author_commits: defaultdict[str, int] = defaultdict(int)
        self.author_file: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.calls: Counter[str] = Counter()

    def features(self, commit: LogCommit, change: CodeChange, fix: bool | None = None) -> tuple[float, ...]:
        """The feature values of commit from the history seen so far (before it); fix overrides
        what its subject says."""
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
        production = [f for f in files if is_production_python(f.path)]
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
            float(sum(s.fixes for s in known)),
            float(len(developers)),
            float(self.author_commits.get(commit.author, 0)),
            float(own),
            max(0.0, sum(ages) / len(ages)) if ages else 0.0,
            float(sum(matches(f.path, CONFIG_GLOBS) for f in files)),
            float(sum(matches(f.path, MIGRATION_GLOBS) for f in files)),
            float(sum(matches(f.path, DEPENDENCY_GLOBS) for f in files)),
            float(sum(matches(f.path, TEST_GLOBS) for f in files)),
            float(is_fix(commit.subject) if fix is None else fix),
            float(change.complexity),
            float(len(change.signatures)),
            float(sum(max(self.calls.get(name, 0), 0) for name in change.signatures)),
            float(sum(f.added for f in production)),
            float(sum(f.deleted for f in production)),
            float(len(production)),
            float(sum(f.added for f in files if matches(f.path, TEST_GLOBS))),
            float(change.defs_added),
            float(change.defs_removed),
            float(change.exceptions),
            float(change.conditions),
        )

    def update(self, commit: LogCommit, change: CodeChange | None = None) -> None:
        """Record commit in the history (change: its code change, for the call-site counts)."""
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
            state.fixes += fix
            state.size += f.added - f.deleted
            state.last_time = commit.time
            state.authors.add(commit.author)
            self.author_file[(commit.author, f.path)] += 1
        if change is not None:
            self.calls.update(change.calls)


def stream_commits(repo: Path, tip: str, exclude: tuple[str, ...] = ()) -> Iterator[LogCommit]:
    """Every commit reachable from tip, oldest first (parents before children), with numstat and
    .py hunks; the paths of exclude left out of every diff."""
    for record in records(repository.stream_log(repo, tip, patches=True, exclude=exclude)):
        if (commit := parse_record(record)) is not None:
            yield commit


def resolve_range(repo: Path, range_: str | None) -> tuple[str, set[str] | None]:
    """(tip, commits of the range or None for all of tip's history) for "A..B", "B" or None (HEAD)."""
    tip = (range_ or "HEAD").split("..")[-1] or "HEAD"
    if range_ is None or ".." not in range_:
        return tip, None
    return tip, set(repository.rev_list(repo, range_))


def _replay(
    repo: Path,
    tip: str,
    selected: set[str] | None,
    progress: Callable[[int], None] | None,
    exclude: tuple[str, ...],
) -> tuple[list[CommitFeatures], list[LogCommit]]:
    """One pass over the history: the features of the selected commits, and the merges."""
    tracker = Tracker()
    commits: list[CommitFeatures] = []
    merges: list[LogCommit] = []
    seen = 0
    for seen, commit in enumerate(stream_commits(repo, tip, exclude), 1):
        if len(commit.parents) > 1:
            merges.append(commit)
        else:
            change = code_change(commit.python)
            if selected is None or commit.sha in selected:
                values = tracker.features(commit, change)
                commits.append(CommitFeatures(commit.sha, commit.time, commit.author, commit.subject, values))
            tracker.update(commit, change)
        if progress is not None and seen % 500 == 0:
            progress(seen)
    if progress is not None:
        progress(seen)  # the end, so a bar reaches 100%
    return commits, merges


def extract(
    repo: str | Path,
    range_: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> History:
    """Features of every non-merge commit of range_ ("A..B", a ref, or None for HEAD), oldest first.

    When git cannot read some blob of the history (a clone without its largest files), the
    pass is run again with the paths of every unreadable blob left out: they are counted in
    History.unreadable, never fatal."""
    import time

    started = time.perf_counter()
    path = Path(repo)
    tip, selected = resolve_range(path, range_)
    unreadable: tuple[str, ...] = ()
    try:
        commits, merges = _replay(path, tip, selected, progress, unreadable)
    except GitError:
        unreadable = tuple(sorted(repository.unreadable_paths(path, tip)))
        if not unreadable:
            raise
        commits, merges = _replay(path, tip, selected, progress, unreadable)
    return History(tuple(commits), tuple(merges), time.perf_counter() - started, unreadable)

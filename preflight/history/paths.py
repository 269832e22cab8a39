"""The history of a few files up to one commit, from path-limited `git log`s, through renames.

For each path: the non-merge commits reachable from the tip that touched it, oldest first
(git's default history simplification: side-branch commits whose changes to the path a merge
discarded are left out), and its line count at the tip. Reading which commits touched a path
needs tree comparisons only; the lines each of them changed would need a content diff of every
old version, many times the cost on a file with a long history, and no feature needs them (the
running line count the full pass keeps is the line count at the tip).

A path whose oldest commit there added it may have been renamed from elsewhere: those commits
are diffed in full with rename detection, as the full pass diffs every commit, and when one
renamed an older path into it, the older path's commits up to the rename go in front (at most
RENAME_ROUNDS renames back).

With changed-path Bloom filters in a commit-graph git reads, and at most PER_PATH_LIMIT
paths, each path is one `git log` (CONCURRENT at a time): git then skips the commits that did
not touch it without reading their trees (git 2.39 uses the filters for one path only).
Otherwise one `git log` reads all paths of a round: one walk over the history instead of one
per path (past PATHSPEC_LIMIT paths, without a pathspec at all). These can differ slightly:
history simplification decides per pathspec, so a side branch pruned for one path alone may
be kept when several paths are asked together, and without a pathspec nothing is pruned (as
in the full pass).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from preflight import repository
from preflight.history.features import Tracker
from preflight.history.log import (
    CommitFile,
    LogCommit,
    parse_name_status,
    parse_numstat,
    parse_record,
    records,
)

RENAME_ROUNDS = 3
"""How many renames back a file's history is followed."""
CONCURRENT = 4
"""Path logs running at once (with Bloom filters)."""
PER_PATH_LIMIT = 8
"""Above this many paths one log of all of them (one walk) beats a log per path, filters or not."""
PATHSPEC_LIMIT = 40
"""Above this many paths the log lists every commit's files and they are filtered here: git's
pathspec matching costs about as much per path as a walk (97 paths: 4 s, no pathspec: 1.5 s,
on scipy's 38,000 commits)."""
_COMMIT_ID = re.compile(r"(?:^|(?<=\0))([0-9a-f]{40})\0")


def commits_of(text: str) -> list[LogCommit]:
    """The LogCommits of -z HISTORY_FORMAT output."""
    return [commit for record in records([text]) if (commit := parse_record(record)) is not None]


def _by_commit(text: str) -> dict[str, tuple[CommitFile, ...]]:
    """`git diff-tree --stdin -z --numstat` output: each commit's FileChanges."""
    parts = _COMMIT_ID.split(text)
    return {parts[i]: parse_numstat(parts[i + 1]) for i in range(1, len(parts) - 1, 2)}


def _logs(repo: Path, tips: dict[str, str], per_path: bool) -> dict[str, list[LogCommit]]:
    """The commits reachable from tips[path] that touched each path, oldest first, each with only
    that path's CommitFile (no line counts; added is 1 where the commit added the path)."""
    ordered = sorted(tips)
    if per_path and len(ordered) > 1:
        from concurrent.futures import ThreadPoolExecutor

        def log(path: str) -> str:
            return repository.start_path_log(repo, [tips[path]], [path]).text()

        with ThreadPoolExecutor(CONCURRENT) as pool:  # each thread waits on its own git process
            texts = list(pool.map(log, ordered))
    elif ordered:  # git matches each tree entry against every pathspec: past a few dozen, list all
        texts = [
            repository.start_path_log(
                repo, tips.values(), ordered if len(ordered) <= PATHSPEC_LIMIT else []
            ).text()
        ]
    else:
        texts = []
    wanted = set(ordered)
    found: defaultdict[str, list[LogCommit]] = defaultdict(list)
    for text in texts:
        for record in records([text]):
            header, _, rest = record.partition("\0")
            commit = parse_record(header)
            if commit is None:
                continue
            for status, path in parse_name_status(rest):
                if path in wanted:  # a pathspec also matches a directory's files
                    change = CommitFile(path, None, int(status == "A"), 0)
                    found[path].append(replace(commit, files=(change,)))
    return found


def _line_counts(revision: str, text: str) -> dict[str, int]:
    """Path -> lines, from `git grep -c -z` output at revision."""
    counts: dict[str, int] = {}
    for line in text.split("\n"):
        name, _, number = line.partition("\0")
        if number.isdigit():
            counts[name.removeprefix(f"{revision}:")] = int(number)
    return counts


def _raw(text: str) -> dict[str, list[tuple[str, str, str, str]]]:
    """`git diff-tree --stdin -z --raw` output: each commit's (status, old blob, new blob, path)."""
    found: dict[str, list[tuple[str, str, str, str]]] = {}
    parts = _COMMIT_ID.split(text)
    for i in range(1, len(parts) - 1, 2):
        tokens = parts[i + 1].split("\0")
        found[parts[i]] = [
            (fields[4][:1], fields[2], fields[3], tokens[j + 1])
            for j in range(0, len(tokens) - 1, 2)
            if len(fields := tokens[j].lstrip("\n").split(" ")) == 5
        ]
    return found


def _exact_source(path: str, blob: str, deleted: dict[str, list[str]]) -> str | None:
    """The deleted path with the same content (the same basename first, as git prefers)."""
    sources = deleted.get(blob, [])
    same = [s for s in sources if s.rsplit("/", 1)[-1] == path.rsplit("/", 1)[-1]]
    return same[0] if same else sources[0] if sources else None


def _origins(repo: Path, fronts: dict[str, list[LogCommit]]) -> dict[str, tuple[LogCommit, CommitFile]]:
    """For each path whose oldest commit added it: that commit and the rename that created the
    path there, when it was one. As git's rename detection does, identical content (the same
    blob) pairs first; only a path without an identical deleted file is compared for similarity,
    and only against the deleted files that no identical file took (in a commit moving
    thousands of files unchanged, none)."""
    candidates: defaultdict[str, set[str]] = defaultdict(set)
    first: dict[str, LogCommit] = {}
    for path, commits in fronts.items():
        if commits and commits[0].parents and commits[0].files[0].added:  # _logs marks an addition so
            candidates[commits[0].sha].add(path)
            first[commits[0].sha] = commits[0]
    if not candidates:
        return {}
    found: dict[str, tuple[LogCommit, CommitFile]] = {}
    similar: set[str] = set()  # paths and deleted files left for similarity
    inexact: set[str] = set()
    for sha, entries in _raw(repository.start_renames(repo, sorted(candidates)).text()).items():
        deleted: defaultdict[str, list[str]] = defaultdict(list)
        for status, old, _, path in sorted(entries, key=lambda e: e[3]):
            if status == "D":
                deleted[old].append(path)
        added = {new for status, _, new, _ in entries if status == "A"}
        for status, _, new, path in entries:
            if status == "A" and path in candidates[sha]:
                source = _exact_source(path, new, deleted)
                if source is not None:
                    found[path] = (first[sha], CommitFile(path, source, 0, 0))
                elif deleted:
                    inexact.add(sha)
                    similar.add(path)
        similar |= {path for blob, paths in deleted.items() if blob not in added for path in paths}
    if inexact:
        renames = repository.start_renames(repo, sorted(inexact), sorted(similar)).text()
        for sha, changes in _by_commit(renames).items():
            for change in changes:
                if change.old_path is not None and change.path in candidates.get(sha, ()):
                    found[change.path] = (first[sha], change)
    return found


def history(repo: Path, tip: str, paths: Iterable[str], per_path: bool) -> tuple[Tracker, list[str]]:
    """A Tracker holding each path's state at tip as the full pass would (see the module docstring)."""
    sizes = repository.start_line_counts(repo, tip, sorted(set(paths))) if paths else None
    chains = dict(_logs(repo, dict.fromkeys(paths, tip), per_path))
    fronts = dict(chains)  # the oldest path of each chain -> its commits, keyed by the chain's path
    front_of = {path: path for path in chains}
    notes: list[str] = []
    for round_ in range(RENAME_ROUNDS + 1):
        origins = _origins(repo, {front_of[target]: fronts[target] for target in fronts})
        if not origins:
            break
        if round_ == RENAME_ROUNDS:
            notes.append(f"file history followed back through {RENAME_ROUNDS} renames only")
            break
        # an older name's history ends at its rename: read it from there, not from the tip
        older = _logs(
            repo, {change.old_path or "": rename.parents[0] for rename, change in origins.values()}, per_path
        )
        moved: dict[str, list[LogCommit]] = {}
        for target, front in list(front_of.items()):
            if front not in origins or target not in fronts:
                continue
            rename, change = origins[front]
            assert change.old_path is not None
            before = older.get(change.old_path, [])
            cut = next((i for i, c in enumerate(before) if c.sha == rename.sha), len(before))
            chains[target] = [*before[:cut], replace(rename, files=(change,)), *chains[target][1:]]
            moved[target], front_of[target] = before[:cut], change.old_path
        fronts = moved
    lines = _line_counts(tip, sizes.text()) if sizes is not None else {}
    tracker = Tracker()
    for target, chain in chains.items():
        own = Tracker()
        for commit in chain:
            own.update(commit)
        if target in own.files:
            tracker.files[target] = own.files[target]
            tracker.files[target].size = lines.get(target, 0)
        for (author, path), count in own.author_file.items():
            if path == target:
                tracker.author_file[(author, path)] = count
    return tracker, notes

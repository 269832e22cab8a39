"""Change-risk features of a pending change, fast enough for a pre-push hook.

The change base..head is treated as ONE commit: its files and lines are the diff
merge-base(base, head)..head (renames detected), its author and time are the head commit's, and
it is a fix when any non-merge commit subject of the range is. Its history is only what is
reachable from the merge base, read with the definitions of preflight.history.features (so the
same coefficients apply), but without streaming the whole history:

- the touched files' history (changes, fixes, authors, size, age) from path-limited
  `git log`s over the touched paths, through renames (preflight.history.paths);
- the author's commit count from the author counts of the last merge base, moved to this one
  (preflight.history.authors);
- the call sites of functions whose signature changed from `git grep` at the merge base.

These are concurrent git processes. Where the result can differ from the full pass over the
same history: the path-limited logs use git's default history simplification, so side-branch
commits whose changes to those paths a merge discarded are not counted; call sites are counted
in the merge base's files, where the full pass keeps a running sum of diffs (merge resolutions
can move it); the full pass orders all commits by date across branches, this one sees only the
merge base's ancestors; file sizes are the line counts at the merge base, which the full pass's
running sums equal on a linear history. Side effect: the author counts are written to the git
directory (preflight/history/authors.json), as the code index writes its cache there.

Measured (bench/results/backtest.md, scipy: 38,143 commits, 20 merged pull requests, warm):
median 210 ms with changed-path Bloom filters in the commit-graph (54-384 ms up to 7 files,
2-4 s for 27-97 files), median 770 ms without a commit-graph.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from preflight import repository
from preflight.history import code, paths
from preflight.history.authors import AuthorCounts
from preflight.history.features import FEATURES, Tracker, code_change, is_fix
from preflight.history.log import LogCommit, parse_changes
from preflight.history.paths import commits_of


@dataclass(frozen=True, slots=True)
class Pending:
    """The features of one pending change, as the full pass would give them for one commit."""

    values: tuple[float, ...]
    """One value per name in FEATURES, with history.features' definitions."""
    commits: int
    """Non-merge commits reachable from the merge base: the history the features saw."""
    seconds: float
    """Wall time of the computation."""
    notes: tuple[str, ...]
    """What was approximated for this change, for the report."""

    def get(self, name: str) -> float:
        """The value of one feature by name."""
        return self.values[FEATURES.index(name)]


FILE_HISTORY = frozenset(
    {
        "new_files",
        "file_size",
        "past_changes",
        "past_fixes",
        "developers",
        "author_file_experience",
        "age_days",
    }
)
"""The features read from the touched files' own histories (paths.history: a `git log` per path,
the costliest part on a long history)."""


def features(
    repo_dir: Path,
    base: str,
    head: str,
    worktree: Mapping[str, bytes] | None = None,
    needed: AbstractSet[str] | None = None,
) -> Pending:
    """The features of the change base..head as one commit, from the history of their merge base.

    worktree: the work tree is the change's head (head its HEAD commit): the tracked files' staged
    and unstaged edits on top of base..head, and these untracked files (path -> bytes, read by the
    caller without following links), as one commit the current author would make now.
    needed: the features the model weighs (None: all); the files' histories are read only when one
    of FILE_HISTORY is among them (the others' values are then left as if the files had none)."""
    started = time.perf_counter()
    repo = Path(repo_dir)
    merge_base = repository.merge_base_of(repo, base, head)
    git_dir = repository.common_dir(repo)
    authors = AuthorCounts(repo, git_dir, merge_base)  # may walk the whole history: start it first
    if worktree is None:
        diff = repository.start_diff(repo, merge_base, head)
    else:
        diff = repository.start_worktree_diff(repo, merge_base)
    in_range = commits_of(repository.start_range_log(repo, merge_base, head).text())
    tip = in_range[0] if in_range else commits_of(repository.start_head_log(repo, head).text())[0]
    text = diff.text()
    if worktree is not None:
        text = _with_untracked(text, worktree)
        email = repository.author_email(repo) or tip.author
        tip = LogCommit("0" * 40, (tip.sha,), email, int(time.time()), "", ())
    files, hunks = parse_changes(text)
    change = code_change(hunks)
    names = set(change.signatures)
    grep = repository.start_grep(repo, merge_base, sorted(names)) if names else None
    touched = {f.old_path or f.path for f in files}
    if needed is None or needed & FILE_HISTORY:
        per_path = len(touched) <= paths.PER_PATH_LIMIT and repository.has_path_filters(repo, git_dir)
        tracker, notes = paths.history(repo, merge_base, touched, per_path)
    else:  # the model weighs none of them: the files' histories are not read
        tracker, notes = Tracker(), []
    counts = authors.result()
    tracker.author_commits[tip.author] = max(counts.get(tip.author, 0), 0)
    if grep is not None:
        found = code.call_sites(grep.text())
        tracker.calls.update({name: found[name] for name in names})
    non_merges = [c for c in in_range if len(c.parents) <= 1]
    if len(non_merges) > 1 and worktree is None:
        notes.append(f"{len(non_merges)} commits scored as one change")
    if worktree is not None:
        notes.append(
            "uncommitted edits scored as one change with the commits before them, by the current author"
        )
    if not files:
        notes.append(f"no changes between the merge base {merge_base[:12]} and {head}")
    commit = LogCommit(tip.sha, tip.parents, tip.author, tip.time, tip.subject, files)
    values = tracker.features(commit, change, fix=any(is_fix(c.subject) for c in non_merges))
    total = sum(n for n in counts.values() if n > 0)
    return Pending(values, total, time.perf_counter() - started, tuple(notes))


def _with_untracked(diff: str, files: Mapping[str, bytes]) -> str:
    """A -z numstat-and-patch text (parse_changes') with the untracked files added as new files: their
    lines counted (none for a binary file, as git counts it) and their text as an added patch."""
    at = diff.find("\0diff --git ")
    numstat, patch = (diff, "") if at < 0 else (diff[:at], diff[at + 1 :])
    counts, sections = [], []
    for path, data in sorted(files.items()):
        if b"\0" in data[:8000]:  # git's binary test: no lines, no patch
            counts.append(f"-\t-\t{path}\0")
            continue
        lines = data.decode("utf-8", "replace").splitlines()
        counts.append(f"{len(lines)}\t0\t{path}\0")
        if lines:
            body = "".join(f"+{line}\n" for line in lines)
            sections.append(
                f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
                f"@@ -0,0 +1,{len(lines)} @@\n{body}"
            )
    joined = "".join(sections)
    return numstat + "".join(counts) + ("\0" + patch + joined if patch or joined else "")

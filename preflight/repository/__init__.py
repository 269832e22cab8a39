"""Every git call preflight makes goes through this package.

- repo: a repository opened once (gitpython underneath): refs, diffs, trees, blobs, commits;
- raw_diff: what git says about a change, as values (`git diff --raw` entries, ids, modes);
- processes: the calls of preflight.history, as plain `git` processes (streamed, side by side).
"""

from __future__ import annotations

from preflight.repository.processes import (
    HISTORY_FORMAT,
    GitRun,
    author_email,
    blame_porcelain,
    commit_patches,
    common_dir,
    has_path_filters,
    merge_base_of,
    merged_commits,
    read_blobs,
    rev_list,
    shares_commits,
    start_authors,
    start_changed_paths,
    start_diff,
    start_grep,
    start_head_log,
    start_line_counts,
    start_messages,
    start_path_log,
    start_range_log,
    start_renames,
    start_worktree_diff,
    stream,
    stream_log,
    unreadable_paths,
    write_commit_graph,
)
from preflight.repository.raw_diff import (
    MODE_SUBMODULE,
    MODE_SYMLINK,
    ZERO_OID,
    RawChange,
    escape_path,
    is_oid,
    parse_raw_diff,
)
from preflight.repository.repo import Repository, init_repository

__all__ = [
    "HISTORY_FORMAT",
    "MODE_SUBMODULE",
    "MODE_SYMLINK",
    "ZERO_OID",
    "GitRun",
    "RawChange",
    "Repository",
    "author_email",
    "blame_porcelain",
    "commit_patches",
    "common_dir",
    "escape_path",
    "has_path_filters",
    "init_repository",
    "is_oid",
    "merge_base_of",
    "merged_commits",
    "parse_raw_diff",
    "read_blobs",
    "rev_list",
    "shares_commits",
    "start_authors",
    "start_changed_paths",
    "start_diff",
    "start_grep",
    "start_head_log",
    "start_line_counts",
    "start_messages",
    "start_path_log",
    "start_range_log",
    "start_renames",
    "start_worktree_diff",
    "stream",
    "stream_log",
    "unreadable_paths",
    "write_commit_graph",
]

"""The work tree through Repository: its diff against a commit, its files read without following
links, its Python files for the code index (repository/worktree.py)."""

from __future__ import annotations

import os
from pathlib import Path

from preflight.repository import Repository
from preflight.repository.worktree import inside, mode_of, read_regular
from tests.conftest import commit, git


def _edit(repo: Path, files: dict[str, str | None]) -> None:
    for name, text in files.items():
        if text is None:
            (repo / name).unlink()
        else:
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(text, encoding="utf-8")


def test_diff_against_the_work_tree_has_staged_unstaged_and_untracked_edits(git_repo: Path) -> None:
    moved = "".join(f"line {n}\n" for n in range(20))
    head = commit(git_repo, {"a.py": "a\n", "b.py": "b\n", "c.py": "c\n", "old.py": moved, "keep.py": "k\n"})
    _edit(git_repo, {"a.py": "a2\n", "b.py": "b2\n", "c.py": None, "new.py": "n\n"})
    git(git_repo, "add", "b.py")
    _edit(git_repo, {"b.py": "b3\n"})  # staged, then edited again: the work tree's version counts
    git(git_repo, "mv", "old.py", "moved.py")
    (git_repo / ".gitignore").write_text("ignored.py\n", encoding="utf-8")
    _edit(git_repo, {"ignored.py": "i\n"})
    os.symlink("a.py", git_repo / "link.py")
    os.mkfifo(git_repo / "pipe.py")
    os.utime(git_repo / "keep.py", (1, 1))  # stat data changed, content not: not a change
    index_before = (git_repo / ".git" / "index").read_bytes()
    with Repository(git_repo) as repo:
        found = {(c.status, c.old_path, c.new_path, c.new_mode) for c in repo.diff_worktree_raw(head)}
        moved_blob = next(c.new_blob for c in repo.diff_worktree_raw(head) if c.new_path == "moved.py")
        assert repo.worktree_file("b.py") == b"b3\n"
    assert found == {
        ("modified", "a.py", "a.py", "100644"),
        ("modified", "b.py", "b.py", "100644"),
        ("deleted", "c.py", None, "000000"),
        ("renamed", "old.py", "moved.py", "100644"),
        ("added", None, ".gitignore", "100644"),
        ("added", None, "new.py", "100644"),
        ("added", None, "link.py", "120000"),
    }
    assert moved_blob is not None  # unedited since the index: git names its blob
    # reading the work tree writes nothing, not even the index's refreshed stat data
    assert (git_repo / ".git" / "index").read_bytes() == index_before


def test_diff_from_the_empty_tree_lists_tracked_and_untracked_files(git_repo: Path) -> None:
    commit(git_repo, {"a.py": "a\n"})
    _edit(git_repo, {"u.py": "u\n"})
    with Repository(git_repo) as repo:
        assert [(c.status, c.new_path) for c in repo.diff_worktree_raw(None)] == [
            ("added", "a.py"),
            ("added", "u.py"),
        ]


def test_worktree_file_reads_regular_files_only_and_never_follows_a_link(
    git_repo: Path, tmp_path: Path
) -> None:
    commit(git_repo, {"pkg/a.py": "a\n"})
    outside = tmp_path / "secret.py"
    outside.write_text("secret\n", encoding="utf-8")
    os.symlink(outside, git_repo / "link.py")
    os.symlink(tmp_path, git_repo / "linked_dir")
    os.mkfifo(git_repo / "pipe.py")
    with Repository(git_repo) as repo:
        assert repo.worktree_file("pkg/a.py") == b"a\n"
        assert repo.worktree_file("link.py") is None
        assert repo.worktree_file("linked_dir/secret.py") is None
        assert repo.worktree_file("pipe.py") is None  # never opened to wait on a writer
        assert repo.worktree_file("../secret.py") is None
        assert repo.worktree_file(str(outside)) is None
        assert repo.worktree_file("gone.py") is None
        assert repo.worktree_file("pkg") is None


def test_modes_and_paths_outside_the_tree(git_repo: Path) -> None:
    _edit(git_repo, {"run.sh": "#!/bin/sh\n", "a.py": "a\n"})
    (git_repo / "run.sh").chmod(0o755)
    os.symlink("a.py", git_repo / "l.py")
    os.mkfifo(git_repo / "p.py")
    assert [mode_of(git_repo, p) for p in ("a.py", "run.sh", "l.py", "p.py", "gone.py", "../x", "")] == [
        "100644",
        "100755",
        "120000",
        None,
        None,
        None,
        None,
    ]
    assert inside(git_repo, "a.py") == Path(os.path.realpath(git_repo)) / "a.py"
    assert inside(git_repo, "/etc/passwd") is None
    assert read_regular(git_repo, "a.py") == b"a\n"


def test_worktree_python_files_are_heads_with_the_edits_on_top(git_repo: Path) -> None:
    commit(git_repo, {"a.py": "a\n", "b.py": "b\n", "gone.py": "g\n", "notes.md": "n\n", "old.py": "o\n"})
    head_blobs = {name: git(git_repo, "rev-parse", f"HEAD:{name}") for name in ("b.py", "old.py")}
    _edit(git_repo, {"a.py": "a2\n", "gone.py": None, "new.py": "n\n", "notes.md": "m\n"})
    git(git_repo, "mv", "old.py", "renamed.py")
    os.symlink("b.py", git_repo / "alias.py")
    with Repository(git_repo) as repo:
        files = repo.worktree_python_files()
    assert files == (
        ("a.py", None),
        ("b.py", head_blobs["b.py"]),
        ("new.py", None),
        ("renamed.py", head_blobs["old.py"]),
    )

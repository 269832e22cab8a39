"""The work tree as the head: uncommitted, staged and untracked edits classified like a commit's,
read from disk under the rules of the changes stage (links never followed, FIFOs never read)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from preflight.changes.changeset import compute
from preflight.changes.revisions import WORKTREE, resolve_ranges, resolve_worktree
from preflight.errors import GitError, InputError
from preflight.models import ChangeKind, ChangeSet
from preflight.repository import Repository
from tests.conftest import commit, git

CART = "def add(cart, item):\n    return cart + [item]\n\n\ndef total(cart):\n    return sum(cart)\n"


def _worktree(repo_dir: Path, base: str | None = None) -> ChangeSet:
    with Repository(repo_dir) as repo:
        return compute(repo, resolve_worktree(repo, base, {}))


def test_uncommitted_staged_and_untracked_edits_are_the_change(git_repo: Path) -> None:
    base = commit(git_repo, {"shop/cart.py": CART, "shop/old.py": "def gone():\n    return 1\n"})
    git(git_repo, "checkout", "-q", "-b", "topic")
    committed = CART.replace("sum(cart)", "sum(cart) or 0")
    head = commit(git_repo, {"shop/cart.py": committed}, "committed edit")
    (git_repo / "shop/cart.py").write_text(
        committed.replace("cart + [item]", "[*cart, item]"), encoding="utf-8"
    )
    (git_repo / "shop/old.py").unlink()
    (git_repo / "shop/staged.py").write_text("def staged():\n    return 2\n", encoding="utf-8")
    git(git_repo, "add", "shop/staged.py")
    (git_repo / "shop/loyalty.py").write_text(
        "def points(total):\n    return total // 10\n", encoding="utf-8"
    )

    found = _worktree(git_repo)
    revisions, files, functions = found.revisions, found.files, found.functions

    assert revisions.worktree and revisions.head == WORKTREE
    assert (revisions.head_sha, revisions.merge_base, revisions.base) == (head, base, "main")
    assert [(f.path, f.status, f.parsed) for f in files] == [
        ("shop/cart.py", "modified", "full"),
        ("shop/old.py", "deleted", "full"),
        ("shop/staged.py", "added", "full"),
        ("shop/loyalty.py", "added", "full"),
    ]
    # the committed edit (total) and the uncommitted one (add) are both in the change
    assert sorted((f.qualname, f.kind) for f in functions) == [
        ("shop.cart.add", ChangeKind.MODIFIED),
        ("shop.cart.total", ChangeKind.MODIFIED),
        ("shop.loyalty.points", ChangeKind.ADDED),
        ("shop.old.gone", ChangeKind.REMOVED),
        ("shop.staged.staged", ChangeKind.ADDED),
    ]
    assert found.warnings == ()


def test_a_link_in_the_work_tree_is_listed_never_followed(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"app.py": "def run():\n    return 1\n"})
    secret = tmp_path / "secret.py"
    secret.write_text("def leaked():\n    return 'secret'\n", encoding="utf-8")
    (git_repo / "app.py").unlink()
    os.symlink(secret, git_repo / "app.py")
    os.symlink(secret, git_repo / "new_link.py")

    found = _worktree(git_repo, "HEAD")
    files, functions = found.files, found.functions

    assert [(f.path, f.status, f.language, f.parsed) for f in files] == [
        ("app.py", "type-changed", "symlink", "no"),
        ("new_link.py", "added", "symlink", "no"),
    ]
    assert all("not followed" in (f.unparsed or "") for f in files)
    assert "leaked" not in repr(functions)


def test_a_fifo_in_place_of_a_python_file_is_unknown_not_read(git_repo: Path) -> None:
    commit(git_repo, {"app.py": "def run():\n    return 1\n", "b.py": "x = 1\n"})
    (git_repo / "app.py").unlink()
    os.mkfifo(git_repo / "app.py")  # opening it for reading would wait for a writer forever

    changes = _worktree(git_repo, "HEAD")

    (found,) = changes.files
    assert (found.path, found.parsed) == ("app.py", "no")
    assert found.unparsed == "cannot read it in the work tree (gone, or no longer a regular file)"
    assert changes.functions == ()
    assert changes.warnings == (
        "app.py: cannot read it in the work tree (gone, or no longer a regular file); listed, not "
        "parsed: its changes are unknown",
    )


def test_a_file_only_touched_is_no_change(git_repo: Path) -> None:
    commit(git_repo, {"app.py": "def run():\n    return 1\n"})
    os.utime(git_repo / "app.py", (1, 1))
    assert _worktree(git_repo, "HEAD").files == ()


def test_worktree_refuses_head_and_pre_push_and_an_unborn_head(git_repo: Path) -> None:
    with Repository(git_repo) as repo:
        with pytest.raises(GitError, match=r"no commit under it yet"):
            resolve_worktree(repo, None, {})
        commit(git_repo, {"a.py": "a = 1\n"})
        with pytest.raises(InputError, match=r"drop --head and --pre-push"):
            resolve_ranges(repo, "HEAD", "HEAD", {}, worktree=True)
        with pytest.raises(InputError, match=r"drop --head and --pre-push"):
            resolve_ranges(repo, None, None, {}, pre_push=(), worktree=True)
        (ranges,) = resolve_ranges(repo, "HEAD", None, {}, worktree=True)
        assert ranges.worktree and ranges.source == "explicit"

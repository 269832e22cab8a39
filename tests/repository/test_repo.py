"""repository/repo.py: a repository opened once: refs, diffs, trees, blobs, commits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from preflight.errors import GitError
from preflight.repository import Repository
from tests.conftest import commit, git
from tests.repository.helpers import blob as _blob


def test_diff_raw_from_empty_tree_lists_every_file(git_repo: Path) -> None:
    head = commit(git_repo, {"a.py": "a\n", "sub dir/é.txt": "b\n"})
    with Repository(git_repo) as repo:
        changes = repo.diff_raw(None, head)
    assert [(c.status, c.old_path, c.new_path, c.old_blob) for c in changes] == [
        ("added", None, "a.py", None),
        ("added", None, "sub dir/é.txt", None),
    ]


def test_diff_raw_detects_renames_and_keeps_unicode_paths(git_repo: Path) -> None:
    text = "".join(f"line {n}\n" for n in range(20))
    base = commit(git_repo, {"vieux nom.py": text})
    head = commit(git_repo, {"vieux nom.py": None, "nouveau-é.py": text})
    with Repository(git_repo) as repo:
        changes = repo.diff_raw(base, head)
    assert [(c.status, c.old_path, c.new_path) for c in changes] == [
        ("renamed", "vieux nom.py", "nouveau-é.py"),
    ]


def test_diff_raw_file_to_symlink_is_type_change(git_repo: Path) -> None:
    base = commit(git_repo, {"target.py": "x = 1\n", "link.py": "y = 2\n"})
    (git_repo / "link.py").unlink()
    os.symlink("target.py", git_repo / "link.py")
    head = commit(git_repo, {})
    with Repository(git_repo) as repo:
        changes = repo.diff_raw(base, head)
    assert [(c.status, c.new_path, c.old_mode, c.new_mode) for c in changes] == [
        ("type-changed", "link.py", "100644", "120000"),
    ]


def test_read_blob_returns_exact_bytes(git_repo: Path) -> None:
    data = b"\xef\xbb\xbfline\r\nnul\x00byte\xff\xfe\n  trailing  \n\n"
    head = commit(git_repo, {"data.bin": data})
    with Repository(git_repo) as repo:
        assert repo.read_blob(_blob(git_repo, head, "data.bin")) == data


def test_read_blob_of_empty_file(git_repo: Path) -> None:
    head = commit(git_repo, {"empty.py": ""})
    with Repository(git_repo) as repo:
        assert repo.read_blob(_blob(git_repo, head, "empty.py")) == b""


def test_commit_sha_resolves_refs_and_peels_tags(git_repo: Path) -> None:
    first = commit(git_repo, {"a.txt": "1\n"})
    second = commit(git_repo, {"a.txt": "2\n"})
    git(git_repo, "tag", "-a", "-m", "release", "v1", first)
    with Repository(git_repo) as repo:
        assert repo.commit_sha("HEAD") == second
        assert repo.commit_sha("main") == second
        assert repo.commit_sha("HEAD~1") == first
        assert repo.commit_sha("v1") == first
        assert repo.commit_sha(second[:10]) == second


def test_commit_sha_is_none_for_non_commits(git_repo: Path) -> None:
    head = commit(git_repo, {"a.txt": "1\n"})
    with Repository(git_repo) as repo:
        assert repo.commit_sha("no-such-ref") is None
        assert repo.commit_sha(_blob(git_repo, head, "a.txt")) is None
        assert repo.commit_sha("--all") is None
        assert repo.commit_sha("0" * 40) is None


def test_has_commit_only_for_local_commits(git_repo: Path) -> None:
    head = commit(git_repo, {"a.txt": "1\n"})
    tree = git(git_repo, "rev-parse", f"{head}^{{tree}}")
    with Repository(git_repo) as repo:
        assert repo.has_commit(head)
        assert not repo.has_commit(tree)
        assert not repo.has_commit(_blob(git_repo, head, "a.txt"))
        assert not repo.has_commit("1234567890abcdef1234567890abcdef12345678")


def test_is_ancestor(git_repo: Path) -> None:
    first = commit(git_repo, {"a.txt": "1\n"})
    second = commit(git_repo, {"a.txt": "2\n"})
    git(git_repo, "checkout", "-q", "-b", "side", first)
    side = commit(git_repo, {"b.txt": "b\n"})
    with Repository(git_repo) as repo:
        assert repo.is_ancestor(first, second)
        assert repo.is_ancestor(second, second)
        assert not repo.is_ancestor(second, first)
        assert not repo.is_ancestor(side, second)


def test_merge_base_is_fork_point(git_repo: Path) -> None:
    first = commit(git_repo, {"a.txt": "1\n"})
    second = commit(git_repo, {"a.txt": "2\n"})
    git(git_repo, "checkout", "-q", "-b", "side", first)
    side = commit(git_repo, {"b.txt": "b\n"})
    with Repository(git_repo) as repo:
        assert repo.merge_base(second, side) == first
        assert repo.merge_base(first, second) == first


def test_is_shallow(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    commit(git_repo, {"a.txt": "2\n"})
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{git_repo}", str(shallow))
    with Repository(git_repo) as repo:
        assert not repo.is_shallow()
    with Repository(shallow) as repo:
        assert repo.is_shallow()


def test_repository_opened_from_subdirectory_finds_root(git_repo: Path) -> None:
    commit(git_repo, {"pkg/mod.py": "x = 1\n"})
    with Repository(git_repo / "pkg") as repo:
        assert repo.root == git_repo


def test_plain_directory_raises_git_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match="pass --repo"):
        Repository(plain)


def test_branch_from_a_start_and_apply_a_patch(git_repo: Path, tmp_path: Path) -> None:
    base = commit(git_repo, {"a.py": "x = 1\n"})
    commit(git_repo, {"a.py": "x = 2\n"})
    patch = tmp_path / "change.patch"
    patch.write_text(git(git_repo, "diff", base, "HEAD") + "\n", encoding="utf-8")
    with Repository(git_repo) as repo:
        repo.switch_new_branch("again", base)
        assert (git_repo / "a.py").read_text(encoding="utf-8") == "x = 1\n"
        repo.apply(patch)
        assert (git_repo / "a.py").read_text(encoding="utf-8") == "x = 2\n"
        with pytest.raises(GitError, match=r"change\.patch: does not apply"):
            repo.apply(patch)  # already applied: its old lines are gone


def test_file_and_mode_at_a_revision(git_repo: Path) -> None:
    head = commit(git_repo, {"pkg/a.py": "x = 1\n"})
    os.symlink("pkg/a.py", git_repo / "link.py")
    linked = commit(git_repo, {})
    with Repository(git_repo) as repo:
        assert repo.file_at(head, "pkg/a.py") == b"x = 1\n"
        assert repo.file_at(head, "missing.py") is None
        assert repo.file_at(None, "pkg/a.py") is None
        assert repo.mode_at(head, "pkg/a.py") == "100644"
        assert repo.mode_at(head, "pkg") == "040000"
        assert repo.mode_at(linked, "link.py") == "120000"
        assert repo.mode_at(head, "link.py") is None
        assert repo.python_files(linked) == (("pkg/a.py", _blob(git_repo, linked, "pkg/a.py")),)
        assert repo.python_links(linked) == ("link.py",)


def test_trailers_after_base_with_committer_email(git_repo: Path) -> None:
    base = commit(git_repo, {"a.txt": "a\n"}, message="first\n\nRisk-Accepted: old")
    head = commit(git_repo, {"a.txt": "b\n"}, message="second\n\nRisk-Accepted: yes\nOther: x")
    with Repository(git_repo) as repo:
        assert repo.trailers(base, head, "Risk-Accepted") == ((head, "author@example.com", "yes"),)
        assert [value for _, _, value in repo.trailers(None, head, "Risk-Accepted")] == ["yes", "old"]
        assert repo.trailers(base, head, "Missing") == ()


def test_default_branch_and_commit_shas(git_repo: Path) -> None:
    first = commit(git_repo, {"a.txt": "a\n"})
    with Repository(git_repo) as repo:
        assert repo.default_branch() == "main"
        assert repo.commit_shas("main", "nope", first) == (first, None, first)
        git(git_repo, "branch", "-m", "main", "trunk")
        assert repo.default_branch() is None


def test_work_trees_are_the_main_one_then_the_linked_ones(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.py": "x = 1\n"})
    linked = tmp_path / "linked tree"
    git(git_repo, "worktree", "add", "-q", "--detach", str(linked))
    with Repository(linked) as repo:
        assert repo.work_trees() == (Path(os.path.realpath(git_repo)), Path(os.path.realpath(linked)))

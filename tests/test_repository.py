"""The git layer: raw diff parsing on real git output, blobs, commits and ancestry."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from preflight import repository
from preflight.errors import GitError
from preflight.repository import RawChange, Repository, parse_raw_diff
from tests.conftest import GIT_ENV, commit, git


def _raw(repo: Path, base: str, head: str, *flags: str) -> str:
    """Unstripped `git diff --raw -z` output, exactly as git wrote it."""
    done = subprocess.run(
        ["git", "diff", "--raw", "-z", "--no-abbrev", *flags, base, head],
        cwd=repo,
        env=GIT_ENV,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def _blob(repo: Path, rev: str, path: str) -> str:
    return git(repo, "rev-parse", f"{rev}:{path}")


def test_parse_raw_diff_add_delete_modify(git_repo: Path) -> None:
    base = commit(git_repo, {"keep.txt": "one\n", "gone.txt": "bye\n"})
    head = commit(git_repo, {"keep.txt": "two\n", "gone.txt": None, "new.txt": "hi\n"})
    changes = parse_raw_diff(_raw(git_repo, base, head, "-M"))
    assert changes == (
        RawChange("deleted", "gone.txt", None, "100644", "000000", _blob(git_repo, base, "gone.txt"), None),
        RawChange(
            "modified",
            "keep.txt",
            "keep.txt",
            "100644",
            "100644",
            _blob(git_repo, base, "keep.txt"),
            _blob(git_repo, head, "keep.txt"),
        ),
        RawChange("added", None, "new.txt", "000000", "100644", None, _blob(git_repo, head, "new.txt")),
    )


def test_parse_raw_diff_rename_has_both_paths(git_repo: Path) -> None:
    text = "".join(f"line {n}\n" for n in range(20))
    base = commit(git_repo, {"old/name.py": text})
    head = commit(git_repo, {"old/name.py": None, "new/name.py": text + "extra\n"})
    (change,) = parse_raw_diff(_raw(git_repo, base, head, "-M"))
    assert change == RawChange(
        "renamed",
        "old/name.py",
        "new/name.py",
        "100644",
        "100644",
        _blob(git_repo, base, "old/name.py"),
        _blob(git_repo, head, "new/name.py"),
    )


def test_parse_raw_diff_copy_has_both_paths(git_repo: Path) -> None:
    text = "".join(f"line {n}\n" for n in range(20))
    base = commit(git_repo, {"orig.txt": text})
    head = commit(git_repo, {"copy.txt": text})
    (change,) = parse_raw_diff(_raw(git_repo, base, head, "-C", "--find-copies-harder"))
    assert (change.status, change.old_path, change.new_path) == ("copied", "orig.txt", "copy.txt")


def test_parse_raw_diff_paths_with_spaces_and_non_ascii_are_not_quoted(git_repo: Path) -> None:
    base = commit(git_repo, {"plain.txt": "x\n"})
    head = commit(git_repo, {"dir with space/fi le.py": "a\n", "données/café ü.py": "b\n"})
    changes = parse_raw_diff(_raw(git_repo, base, head, "-M"))
    assert [(c.status, c.new_path) for c in changes] == [
        ("added", "dir with space/fi le.py"),
        ("added", "données/café ü.py"),
    ]


def test_parse_raw_diff_empty_output() -> None:
    assert parse_raw_diff("") == ()


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


# The history calls (preflight.history): streaming, concurrent runs, and their two old bugs.


def test_stream_survives_a_git_that_fills_stderr_before_stdout_ends(git_repo: Path) -> None:
    """stderr used to be read only after stdout ended: 1 MB of warnings filled the pipe and hung."""
    import threading

    noisy = "!f() { head -c 1000000 /dev/zero | tr '\\0' w >&2; echo done; }; f"
    out: list[str] = []
    worker = threading.Thread(
        target=lambda: out.extend(
            repository.stream(git_repo, ["-c", f"alias.noisy={noisy}", "noisy"], "noisy")
        ),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "git blocked on a full stderr pipe"
    assert "".join(out) == "done\n"


def test_stream_decodes_characters_split_between_reads(git_repo: Path) -> None:
    """Chunks used to be decoded one by one: a UTF-8 character across two reads became U+FFFD twice."""
    commit(git_repo, {"a.txt": "a\n"}, message="café ü 🙂")
    pieces = list(repository.stream(git_repo, ["log", "--format=%s"], "git log", chunk=1))
    assert len(pieces) > 5
    assert "".join(pieces) == "café ü 🙂\n"


def test_stream_and_git_run_raise_git_error_with_stderr(git_repo: Path) -> None:
    commit(git_repo, {"a.txt": "a\n"})
    with pytest.raises(GitError, match=r"git log nope failed in .*nope"):
        list(repository.stream_log(git_repo, "nope"))
    with pytest.raises(GitError, match="git log nope failed"):
        repository.start_authors(git_repo, "nope").text()
    with pytest.raises(GitError, match=r"unknown range 'nope\.\.HEAD'"):
        repository.rev_list(git_repo, "nope..HEAD")
    with pytest.raises(GitError, match="no merge base of 'nope' and 'HEAD'"):
        repository.merge_base_of(git_repo, "nope", "HEAD")


def test_git_runs_run_at_once_and_read_stdin(git_repo: Path) -> None:
    first = commit(git_repo, {"a.txt": "a\n", "b c.txt": "b\n"})
    second = commit(git_repo, {"a.txt": "aa\n"})
    runs = [
        repository.start_path_log(git_repo, [second], ["b c.txt"]),
        repository.start_head_log(git_repo, second),
    ]
    path_log, head_log = (run.text() for run in runs)
    assert path_log.startswith(f"\x1e{first}\x1f") and path_log.endswith("A\0b c.txt\0")
    assert head_log.startswith(f"\x1e{second}\x1f{first}\x1fauthor@example.com\x1f")
    lines = repository.start_line_counts(git_repo, second, ["a.txt", "b c.txt", "gone.txt"]).text()
    assert lines == f"{second}:a.txt\0" + "1\n" + f"{second}:b c.txt\0" + "1\n"


def test_merged_commits_and_common_dir(git_repo: Path) -> None:
    base = commit(git_repo, {"a.txt": "a\n"})
    git(git_repo, "checkout", "-q", "-b", "side")
    side = commit(git_repo, {"b.txt": "b\n"})
    assert repository.merged_commits(git_repo, base, side) == {side}
    assert repository.merged_commits(git_repo, base, "nope") == set()
    assert repository.common_dir(git_repo).resolve() == (git_repo / ".git").resolve()


def test_path_filters_are_found_in_the_commit_graph(git_repo: Path) -> None:
    commit(git_repo, {"a.txt": "a\n"})
    git_dir = git_repo / ".git"
    assert not repository.has_path_filters(git_repo, git_dir)
    git(git_repo, "commit-graph", "write", "--reachable")
    assert not repository.has_path_filters(git_repo, git_dir)
    git(git_repo, "commit-graph", "write", "--reachable", "--changed-paths")
    assert repository.has_path_filters(git_repo, git_dir)
    (git_dir / "objects" / "info" / "commit-graph").unlink()
    git(git_repo, "commit-graph", "write", "--reachable", "--changed-paths", "--split")
    assert repository.has_path_filters(git_repo, git_dir)
    empty = git(git_repo, "hash-object", "-w", "--stdin", stdin="")
    git(git_repo, "replace", empty, git(git_repo, "rev-parse", "HEAD:a.txt"))
    assert not repository.has_path_filters(git_repo, git_dir)  # git reads no commit-graph then


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

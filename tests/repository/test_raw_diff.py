"""repository/raw_diff.py: `git diff --raw -z` output as RawChange values."""

from __future__ import annotations

import subprocess
from pathlib import Path

from preflight.repository import RawChange, parse_raw_diff
from preflight.repository.raw_diff import escape_path, is_oid
from tests.conftest import GIT_ENV, commit
from tests.repository.helpers import blob as _blob


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


def test_is_oid_takes_only_full_lowercase_ids() -> None:
    assert is_oid("a" * 40) and is_oid("0" * 64)
    assert not is_oid("A" * 40)
    assert not is_oid("a" * 39)
    assert not is_oid("g" * 40)


def test_escape_path_shows_bytes_that_are_not_utf8() -> None:
    assert escape_path("plain/a.py") == "plain/a.py"
    assert escape_path("café.py") == "café.py"
    undecodable = b"bad\xff.py".decode("utf-8", "surrogateescape")
    assert escape_path(undecodable) == "bad\\xff.py"
    escape_path(undecodable).encode("utf-8")  # writable as UTF-8 now

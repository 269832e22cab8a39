"""preflight.history.paths: a few files' history up to one commit, through renames, as the full pass sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.history import paths
from preflight.history.paths import history
from tests.conftest import commit, git

BODY = "".join(f"line {i}\n" for i in range(30))


@pytest.mark.parametrize("per_path", [True, False])
def test_a_files_commits_and_lines_are_counted_through_a_rename(git_repo: Path, per_path: bool) -> None:
    commit(git_repo, {"old.py": BODY, "other.py": "x\n"})
    commit(git_repo, {"old.py": BODY + "more\n"}, "Fix old")
    commit(git_repo, {"old.py": None, "new.py": BODY + "more\n"}, "rename")
    tip = commit(git_repo, {"new.py": BODY + "more\nlast\n", "other.py": "y\n"})
    tracker, notes = history(git_repo, tip, ["new.py", "other.py"], per_path)
    assert notes == []
    new, other = tracker.files["new.py"], tracker.files["other.py"]
    assert (new.changes, new.fixes, new.size) == (4, 1, 32)  # the commits of old.py count
    assert (other.changes, other.size) == (2, 1)
    assert len(new.authors) == 1  # one author made every commit
    assert set(tracker.files) == {"new.py", "other.py"}  # old.py is new.py's past, not its own entry


def test_renames_are_followed_only_so_far(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "RENAME_ROUNDS", 1)
    commit(git_repo, {"a.py": BODY})
    commit(git_repo, {"a.py": None, "b.py": BODY})
    tip = commit(git_repo, {"b.py": None, "c.py": BODY})
    tracker, notes = history(git_repo, tip, ["c.py"], per_path=False)
    assert notes == ["file history followed back through 1 renames only"]
    assert tracker.files["c.py"].changes == 2  # c.py's own commit and b.py's, not a.py's


def test_a_side_branch_that_never_touched_the_file_is_not_its_history(git_repo: Path) -> None:
    commit(git_repo, {"f.py": BODY})
    git(git_repo, "checkout", "-q", "-b", "side")
    commit(git_repo, {"g.py": "g\n"})
    git(git_repo, "checkout", "-q", "main")
    commit(git_repo, {"f.py": BODY + "x\n"})
    git(git_repo, "merge", "-q", "--no-edit", "side")
    tip = git(git_repo, "rev-parse", "HEAD")
    tracker, _ = history(git_repo, tip, ["f.py"], per_path=True)
    assert tracker.files["f.py"].changes == 2 and tracker.files["f.py"].size == 31

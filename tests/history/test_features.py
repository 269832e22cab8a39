from __future__ import annotations

from pathlib import Path

import pytest

from preflight.errors import GitError
from preflight.globs import matches
from preflight.history.features import FEATURES, extract, is_fix
from tests.conftest import git
from tests.history.conftest import commit_at


def small_history(repo: Path) -> list[str]:
    return [
        commit_at(repo, {"a.py": "1\n2\n3\n", "pkg/b.py": "x\ny\n"}, "initial", day=0),
        commit_at(repo, {"a.py": "1\nTWO\n3\n"}, "Fix crash in a", day=1, author="bob"),
        commit_at(
            repo,
            {
                "a.py": "1\nTWO\n3\n4\n5\n",
                "pkg/b.py": "x\n",
                "tests/test_a.py": "t\nt\nt\nt\n",
                "requirements.txt": "click\n",
            },
            "grow a",
            day=3,
        ),
    ]


def test_hand_checked_features(git_repo: Path) -> None:
    shas = small_history(git_repo)
    history = extract(git_repo)
    assert [c.sha for c in history.commits] == shas
    values = dict(zip(FEATURES, history.commits[2].values, strict=True))
    assert values == {
        "lines_added": 7.0,
        "lines_deleted": 1.0,
        "files": 4.0,
        "directories": 3.0,  # root, pkg, tests
        "subsystems": 3.0,
        "entropy": pytest.approx(1.75),  # lines 2, 1, 4, 1 of 8
        "new_files": 2.0,
        "file_size": 5.0,  # a.py 3 + pkg/b.py 2 before the change
        "past_changes": 3.0,
        "past_fixes": 1.0,
        "developers": 2.0,
        "author_experience": 1.0,
        "author_file_experience": 2.0,
        "age_days": pytest.approx(2.5),  # a.py 2 days, pkg/b.py 3 days
        "config_files": 0.0,
        "migration_files": 0.0,
        "dependency_files": 1.0,
        "test_files": 1.0,
        "is_fix": 0.0,
        "complexity_change": 0.0,
        "signature_changes": 0.0,
        "signature_callers": 0.0,
        "prod_lines_added": 2.0,  # a.py; tests and requirements.txt are not production code
        "prod_lines_deleted": 1.0,  # pkg/b.py
        "prod_files": 2.0,
        "test_lines_added": 4.0,
        "defs_added": 0.0,
        "defs_removed": 0.0,
        "exceptions_touched": 0.0,
        "conditions_touched": 0.0,
    }
    first = dict(zip(FEATURES, history.commits[0].values, strict=True))
    assert (first["past_changes"], first["new_files"], first["age_days"]) == (0.0, 2.0, 0.0)
    assert history.commits[1].get("is_fix") == 1.0
    assert history.commits[1].author == "bob@example.com"


def test_renames_keep_history_and_merges_are_skipped(git_repo: Path) -> None:
    commit_at(git_repo, {"pkg/b.py": "".join(f"line {i}\n" for i in range(20))}, "initial")
    git(git_repo, "checkout", "-q", "-b", "side")
    git(git_repo, "mv", "pkg/b.py", "pkg/c.py")
    side = commit_at(git_repo, {"pkg/c.py": "".join(f"line {i}\n" for i in range(21))}, "move b", day=1)
    git(git_repo, "checkout", "-q", "main")
    commit_at(git_repo, {"other.py": "o\n"}, "other", day=2)
    git(git_repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #7 from side", "side")
    after = commit_at(git_repo, {"pkg/c.py": "changed\n"}, "rewrite c", day=3)
    history = extract(git_repo)
    assert len(history.commits) == 4
    assert [m.subject for m in history.merges] == ["Merge pull request #7 from side"]
    moved = next(c for c in history.commits if c.sha == side)
    assert (moved.get("past_changes"), moved.get("new_files"), moved.get("file_size")) == (1.0, 0.0, 20.0)
    last = history.commits[-1]
    assert last.sha == after
    assert (last.get("past_changes"), last.get("file_size")) == (2.0, 21.0)


def test_range_only_scores_its_commits_but_counts_older_history(git_repo: Path) -> None:
    shas = small_history(git_repo)
    history = extract(git_repo, f"{shas[0]}..{shas[2]}")
    assert [c.sha for c in history.commits] == shas[1:]
    assert history.commits[-1].get("past_changes") == 3.0
    with pytest.raises(GitError, match="unknown range"):
        extract(git_repo, "nope..HEAD")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Fix crash", True),
        ("fixes #12", True),
        ("Handle ERROR codes", True),
        ("Regression in parser", True),
        ("prefix handling", False),
        ("debugger support", False),
        ("add patchwork", False),
        ("Fix typo in the README", False),  # fixes.TRIVIAL: about docs, lint, style, tests
        ("fix flake8 errors", False),
        ("Fix failing tests on windows", False),
        ('Revert "Fix crash"', False),  # a revert takes a change back; it fixes nothing itself
    ],
)
def test_fix_pattern(subject: str, expected: bool) -> None:
    assert is_fix(subject) is expected


def test_trivial_fixes_are_not_counted_as_past_fixes(git_repo: Path) -> None:
    commit_at(git_repo, {"a.py": "1\n"}, "initial", day=0)
    commit_at(git_repo, {"a.py": "1\n2\n"}, "Fix typo in a docstring", day=1)
    commit_at(git_repo, {"a.py": "1\n2\n3\n"}, "Fix crash in a", day=2)
    commit_at(git_repo, {"a.py": "1\n2\n3\n4\n"}, "grow a", day=3)
    history = extract(git_repo)
    assert [c.get("is_fix") for c in history.commits] == [0.0, 0.0, 1.0, 0.0]
    assert history.commits[-1].get("past_fixes") == 1.0


def test_globs() -> None:
    assert matches("app/migrations/0001_initial.py", ("*/migrations/*",))
    assert matches("deep/a/setup.cfg", ("*.cfg",))
    assert not matches("src/requirements.py", ("requirements*.txt",))


def test_function_level_features(git_repo: Path) -> None:
    commit_at(
        git_repo,
        {"lib.py": "def area(w, h):\n    return w * h\n", "app.py": "a = area(1, 2)\nb = area(3, 4)\n"},
        "a",
    )
    commit_at(git_repo, {"app.py": "a = area(1, 2)\n"}, "one call fewer", day=1)
    changed = "def area(w, h, unit='m'):\n    if unit == 'cm' or unit == 'mm':\n        return w * h / 100\n    return w * h\n"
    test = "def test_area():\n    if area(1, 1) and area(2, 2):\n        pass\n"
    commit_at(git_repo, {"lib.py": changed, "tests/test_lib.py": test}, "units", day=2)
    commit_at(git_repo, {"lib.py": "def area(w, h):\n    return w * h\n"}, "revert", day=3)
    *_, units, revert = extract(git_repo).commits
    assert (units.get("signature_changes"), units.get("signature_callers")) == (1.0, 1.0)
    assert units.get("complexity_change") == 2.0  # the if and the or; the test file does not count
    assert (revert.get("signature_callers"), revert.get("complexity_change")) == (
        3.0,
        -2.0,
    )  # test calls count
    assert (units.get("conditions_touched"), revert.get("conditions_touched")) == (1.0, 1.0)  # not the test's


def test_functions_and_exceptions_touched(git_repo: Path) -> None:
    commit_at(
        git_repo, {"lib.py": "def old():\n    return 1\n", "vendor/six.py": "def v():\n    pass\n"}, "a"
    )
    new = (
        "def new(x):\n    try:\n        return int(x)\n    except ValueError:\n        raise TypeError(x)\n"
        "    finally:\n        pass\n"
    )
    commit_at(git_repo, {"lib.py": new, "vendor/six.py": "def w():\n    raise X\n"}, "b", day=1)
    last = extract(git_repo).commits[-1]
    assert (last.get("defs_added"), last.get("defs_removed")) == (1.0, 1.0)  # new, old; vendored code skipped
    assert (last.get("exceptions_touched"), last.get("conditions_touched")) == (4.0, 0.0)
    assert (last.get("prod_lines_added"), last.get("prod_files"), last.get("lines_added")) == (7.0, 1.0, 9.0)


def drop_object(repo: Path, sha: str) -> None:
    """Delete one loose object, as a clone that lacks a large file does not have it."""
    (repo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()


def test_an_unreadable_blob_is_skipped_and_counted(git_repo: Path) -> None:
    commit_at(git_repo, {"app.py": "x = 1\n", "video.bin": "frame 1\n"}, "init", day=0)
    commit_at(git_repo, {"video.bin": "frame 2\n"}, "video only", day=1)
    commit_at(git_repo, {"app.py": "x = 2\ny = 3\n"}, "two", day=2)
    drop_object(git_repo, git(git_repo, "rev-parse", "HEAD:video.bin"))
    history = extract(git_repo)
    assert [c.subject for c in history.commits] == ["init", "video only", "two"]  # none dropped
    assert history.unreadable == ("video.bin",)
    assert history.commits[2].get("lines_added") == 2
    assert history.commits[1].get("files") == 0  # its only file is left out of the counts

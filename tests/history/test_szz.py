from __future__ import annotations

from pathlib import Path

from preflight.history import szz
from preflight.history.features import extract
from tests.history.conftest import commit_at

CALC = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"


def test_fix_blames_the_commit_that_introduced_the_line(git_repo: Path) -> None:
    commit_at(git_repo, {"README.md": "calc\n"}, "readme", day=0)
    bug = commit_at(git_repo, {"calc.py": CALC}, "add calc", day=1)
    commit_at(git_repo, {"calc.py": CALC + "\n\n# more later\n"}, "note", day=2)
    fix = commit_at(git_repo, {"calc.py": CALC.replace("return a - b", "return a + b", 1)}, "Fix add", day=3)
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.links == ((bug, fix),)
    assert (result.fixes, result.blames) == (1, 1)
    assert result.inducing() == {bug}
    assert result.inducing(fixes=[]) == set()


def test_comments_blank_lines_and_tests_are_not_blamed(git_repo: Path) -> None:
    commit_at(git_repo, {"calc.py": "# old note\n\nx = 1\n", "tests/test_calc.py": "assert 1\n"}, "start")
    commit_at(git_repo, {"calc.py": "\nx = 1\n", "tests/test_calc.py": "assert 2\n"}, "fix comment typo")
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.links == ()
    assert (result.fixes, result.blames) == (1, 0)


def test_renamed_file_is_blamed_under_its_old_path(git_repo: Path) -> None:
    body = "".join(f"v{i} = {i}\n" for i in range(10))
    bug = commit_at(git_repo, {"old.py": body}, "add values")
    commit_at(git_repo, {"old.py": None, "new.py": body.replace("v3 = 3", "v3 = 33")}, "Fix v3 while moving")
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.inducing() == {bug}


def test_hunk_content_that_looks_like_a_header() -> None:
    text = (
        "\x1eabc\x1fdef\n\ndiff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        "@@ -3,2 +3 @@\n--- a/x\n-y = 1\n+z\n"
    )
    assert list(szz.parse_fix_diffs(text)) == [szz.FixDiff("abc", "def", "m.py", (3, 4))]

"""the comment's headline stays under 5 lines (issue 16 point 4), also for a test-only change."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.cli import main
from tests.conftest import commit


def test_a_test_only_change_of_two_commits_has_a_headline_under_5_lines(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = commit(
        git_repo,
        {"app/core.py": "def run(a):\n    return a\n", "tests/test_x.py": "def helper(a):\n    return a\n"},
    )
    commit(git_repo, {"tests/test_x.py": "def helper(a):\n    return a + 1\n"})
    commit(git_repo, {"tests/test_x.py": "def helper(a):\n    return a + 2\n"})
    capsys.readouterr()
    assert (
        main(["check", "--repo", str(git_repo), "--base", base, "--format", "markdown", "--no-callgraph"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("### "))
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    assert end - start < 5, lines[start:end]

"""Shared by the command-line tests: a repository with one change, the entry point in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GIT_ENV, commit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_commits(git_repo: Path) -> tuple[Path, str, str]:
    base = commit(git_repo, {"app/core.py": "def f():\n    return 1\n\ndef g():\n    return 2\n"})
    head = commit(git_repo, {"app/core.py": "def f():\n    return 10\n\ndef g():\n    return 2\n"})
    return git_repo, base, head


def run_cli(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed entry point in a child process, with a clean environment (no GitHub variables)."""
    env = {**GIT_ENV, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )

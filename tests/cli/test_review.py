"""The review commands' options: changes, check, publish and the hook group."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import run_cli


def test_bad_option_is_exit_2(two_commits: tuple[Path, str, str]) -> None:
    repo, _, _ = two_commits
    done = run_cli("check", "--repo", str(repo), "--fail-above", "300")
    assert done.returncode == 2
    assert "--fail-above" in done.stderr and "300" in done.stderr

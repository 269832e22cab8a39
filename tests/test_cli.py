"""The command line as a whole: every command's help, no-change runs (the CLI reference in the docs: tests/test_docs.py)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from preflight.cli import cli, main
from tests.conftest import commit


def test_empty_diff_is_nothing_to_check(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sha = commit(git_repo, {"a.py": "x = 1\n"})
    assert main(["check", "--repo", str(git_repo), "--base", sha, "--fail-above", "0"]) == 0
    assert capsys.readouterr().out == "nothing to check: no files changed\n"
    assert main(["changes", "--repo", str(git_repo), "--base", sha]) == 0
    assert capsys.readouterr().out == "nothing to check: no files changed\n"


def test_every_command_has_help() -> None:
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help text"
        result = CliRunner().invoke(cli, [name, "--help"], prog_name="preflight")
        assert result.exit_code == 0

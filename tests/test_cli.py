"""The command line as a whole: every command's help, the README's generated parts, no-change runs."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from preflight.cli import cli, main
from preflight.runtime.schema import TABLES
from scripts import readme as readme_script
from tests.conftest import commit

ROOT = Path(__file__).resolve().parent.parent


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


def test_readme_generated_parts_are_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    helps = set(re.findall(r"<!-- help:(\S*) -->", readme))
    assert helps == {"", *cli.commands}, "README needs one help block per command"
    assert set(re.findall(r"<!-- schema:(\S+) -->", readme)) == set(TABLES)
    assert readme_script.render(readme) == readme, "README is stale: run `python scripts/readme.py`"

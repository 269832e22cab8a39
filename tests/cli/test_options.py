"""preflight.cli.options: the options several commands share, and the ranges they name."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from preflight.cli.options import _file_or_stdout, _target, format_option, range_options, repo_option
from preflight.commands import Target
from preflight.errors import InputError


@click.command()
@repo_option
@format_option("text", "json")
@range_options
def shown(
    repo_dir: Path,
    fmt: str,
    base: str | None,
    head: str | None,
    pre_push: bool,
    remote: str | None,
    worktree: bool,
) -> None:
    target = _target(repo_dir, base, head, pre_push, remote, worktree)
    click.echo(f"{fmt} {target!r}")


def test_the_defaults_name_the_current_directory_and_the_first_format() -> None:
    result = CliRunner().invoke(shown, [])
    assert result.exit_code == 0, result.output
    assert result.output == f"text {Target(Path('.'))!r}\n"


def test_the_range_options_make_the_target() -> None:
    args = ["--repo", "r", "--format", "json", "--base", "main", "--head", "feat"]
    result = CliRunner().invoke(shown, args)
    assert result.output == f"json {Target(Path('r'), 'main', 'feat')!r}\n"
    assert CliRunner().invoke(shown, ["--format", "xml"]).exit_code == 2  # not a choice


def test_worktree_names_the_work_tree_as_the_head() -> None:
    result = CliRunner().invoke(shown, ["--worktree", "--base", "main"])
    assert result.output == f"text {Target(Path('.'), 'main', worktree=True)!r}\n"


def test_pre_push_reads_the_lines_from_standard_input() -> None:
    line = f"refs/heads/feat {'a' * 40} refs/heads/feat {'0' * 40}"
    result = CliRunner().invoke(shown, ["--pre-push", "--remote", "origin"], input=f"{line}\n")
    assert result.exit_code == 0, result.output
    assert result.output == f"text {Target(Path('.'), None, None, (line,), 'origin')!r}\n"


def test_a_bad_pre_push_line_is_refused() -> None:
    result = CliRunner().invoke(shown, ["--pre-push"], input=b"caf\xe9\n")
    assert isinstance(result.exception, InputError)  # preflight's main makes it exit 2
    assert "pre-push input line 1 is not UTF-8 text ('caf\\\\xe9', byte 4)" in str(result.exception)


def test_dash_is_standard_output_never_a_file() -> None:
    assert _file_or_stdout(Path("-")) is None
    assert _file_or_stdout(None) is None
    assert _file_or_stdout(Path("out.md")) == Path("out.md")

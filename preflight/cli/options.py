"""Options shared by several commands, and the revision ranges they name."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from preflight.commands import Target


F = TypeVar("F", bound=Callable[..., Any])


def repo_option(f: F) -> F:
    """--repo DIR, shared by every command that reads a repository."""
    return click.option(
        "--repo",
        "repo_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("."),
        show_default=True,
        help="The git repository to read.",
    )(f)


def format_option(*choices: str, help: str = "Output format.") -> Callable[[F], F]:
    """--format with the given choices; the first is the default."""

    def decorate(f: F) -> F:
        return click.option(
            "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True, help=help
        )(f)

    return decorate


def range_options(f: F) -> F:
    """--base/--head/--pre-push/--remote/--worktree, shared by changes and check."""
    options = [
        click.option(
            "--base",
            help="Base revision. Default: GitHub event base, else merge-base with origin/HEAD, main or master.",
        ),
        click.option("--head", help="Head revision.  [default: HEAD]"),
        click.option("--pre-push", is_flag=True, help="Read the ranges from git's pre-push standard input."),
        click.option("--remote", help="Remote name being pushed to (with --pre-push; git passes it as $1)."),
        click.option(
            "--worktree",
            is_flag=True,
            help="The work tree as the head: staged, unstaged and untracked edits (files are read, never "
            "imported).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _target(
    repo_dir: Path,
    base: str | None,
    head: str | None,
    pre_push: bool,
    remote: str | None,
    worktree: bool = False,
) -> Target:
    """What the range options name; with --pre-push the ranges come from standard input."""
    from preflight.changes.revisions import read_pre_push
    from preflight.commands import Target

    lines = read_pre_push(sys.stdin) if pre_push else None
    return Target(repo_dir, base, head, lines, remote, worktree)


def _file_or_stdout(output: Path | None) -> Path | None:
    """--output -: standard output, as if the option were not given (never a file named "-")."""
    return None if output is not None and str(output) == "-" else output

"""Commands for a change under review: init, changes, check, publish and the pre-push hook."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from preflight.cli.group import cli
from preflight.cli.options import _file_or_stdout, _target, format_option, range_options, repo_option

if TYPE_CHECKING:
    from preflight.models import GateMode


@cli.command()
@repo_option
@click.option("--hook", "hook_too", is_flag=True, help="Also install the git pre-push hook.")
@click.option(
    "--force", is_flag=True, help="Replace a .preflight.yml or workflow file that differs. Default: exit 2."
)
def init(repo_dir: Path, hook_too: bool, force: bool) -> int:
    """Set preflight up: a commented .preflight.yml and the GitHub Actions workflow.

    Infers the services (top-level packages) and the entry points of the code, writes
    .preflight.yml and .github/workflows/preflight.yml, installs the pre-push hook with --hook, and
    says where runtime data comes from. Running it again is harmless: a file that differs is never
    replaced without --force (exit 2, nothing written).
    """
    from preflight.commands import init as command

    return command.run(repo_dir, hook_too, force, sys.stdout, os.environ)


@cli.command()
@repo_option
@range_options
@format_option("text", "json")
def changes(
    repo_dir: Path,
    base: str | None,
    head: str | None,
    pre_push: bool,
    remote: str | None,
    worktree: bool,
    fmt: str,
) -> int:
    """List the changed files and classify every changed function."""
    from preflight.commands import changes as command

    target = _target(repo_dir, base, head, pre_push, remote, worktree)
    return command.run(target, fmt, sys.stdout, os.environ)


@cli.command()
@repo_option
@range_options
@format_option("markdown", "json", "text", help="Report format.")
@click.option(
    "--calls",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV of runtime traffic with columns qualname,calls_per_min.",
)
@click.option(
    "--fail-above",
    type=click.IntRange(0, 100),
    help="Exit 1 when the risk score is above this (0-100). Default: advisory, never fails.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Write the report to this file (- for standard output, the default).",
)
@click.option(
    "--snapshot",
    type=click.Path(path_type=Path, file_okay=False),
    help="Runtime snapshot from `preflight collect`. Default: runtime.snapshot in .preflight.yml.",
)
@click.option(
    "--no-callgraph",
    is_flag=True,
    help="Skip the static call graph (entry points that reach each change, traffic inferred from callers).",
)
@click.option(
    "--config",
    "config_file",
    help="Config file instead of .preflight.yml: a repository path, read at the base revision.",
)
@click.option(
    "--mode",
    type=click.Choice(["advisory", "blocking"]),
    help="Replace the gate policy's mode. Default: gate.mode in the config.",
)
@click.option(
    "--github",
    is_flag=True,
    help="In GitHub Actions: annotations, step summary, step outputs and the sticky PR comment.",
)
@click.option(
    "--comment/--no-comment", default=True, show_default=True, help="With --github: the PR comment."
)
@click.option("--check-run", is_flag=True, help="With --github: also a check run with annotations.")
def check(
    repo_dir: Path,
    base: str | None,
    head: str | None,
    pre_push: bool,
    remote: str | None,
    worktree: bool,
    fmt: str,
    calls: Path | None,
    fail_above: int | None,
    output: Path | None,
    snapshot: Path | None,
    no_callgraph: bool,
    config_file: str | None,
    mode: GateMode | None,
    github: bool,
    comment: bool,
    check_run: bool,
) -> int:
    """Run the whole pipeline and gate on the risk score."""
    from preflight import pipeline
    from preflight.commands import check as command

    stages = pipeline.Options(calls, snapshot, config_file, mode, not no_callgraph, fail_above, repo_dir)
    options = command.CheckOptions(
        _target(repo_dir, base, head, pre_push, remote, worktree),
        fmt,
        _file_or_stdout(output),
        color=fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ,
        stages=stages,
        github=command.GitHubRun(comment, check_run) if github else None,
    )
    return command.run(options, sys.stdout, os.environ, sys.stderr)


@cli.command()
@click.option(
    "--report",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The JSON report `check --format json --output FILE` wrote (the pull_request run's artifact); "
    "the comment is rendered again from it, never posted as the artifact wrote it.",
)
@click.option(
    "--pull-request",
    type=click.IntRange(min=1),
    help="The pull request's number. Default: from the event (pull_request events).",
)
def publish(report: Path, pull_request: int | None) -> int:
    """Post a JSON report as the sticky PR comment (the fork-safe workflow_run half)."""
    from preflight.commands import publish as command

    return command.run(report, pull_request, os.environ, sys.stderr)


@cli.group()
def hook() -> None:
    """The git pre-push hook: install it once; git runs it on every push."""


@hook.command("install")
@repo_option
@click.option(
    "--force",
    is_flag=True,
    help="When an earlier install already chains a hook and another one has replaced preflight's, chain "
    "the new one and keep the earlier as pre-push.preflight-chained.bak.",
)
@click.option(
    "--resident",
    is_flag=True,
    help="Answer pushes from a resident process (started on demand, one per work tree, gone after 30 "
    "idle minutes): about 0.3 s of imports less per push.",
)
def hook_install(repo_dir: Path, force: bool, resident: bool) -> int:
    """Write the pre-push hook, chaining any other.

    An existing pre-push hook is moved to pre-push.preflight-chained and run first, with the same
    input; either one failing blocks the push. Reinstalling updates the hook in place.
    """
    from preflight.commands import hook as command

    return command.install(repo_dir, force, sys.stdout, resident)


@hook.command("uninstall")
@repo_option
def hook_uninstall(repo_dir: Path) -> int:
    """Remove the hook; the one it chained comes back."""
    from preflight.commands import hook as command

    return command.uninstall(repo_dir, sys.stdout)


@hook.command("resident")
@repo_option
@click.option("--stop", is_flag=True, help="Stop the work tree's resident process.")
def hook_resident(repo_dir: Path, stop: bool) -> int:
    """Show (or stop) the work tree's resident process, if one is running."""
    from preflight.commands import hook as command

    return command.resident(repo_dir, stop, sys.stdout)


@hook.command("run")
@repo_option
@click.argument("remote", required=False)
@click.argument("url", required=False)
@format_option("compact", "text", "json")
@click.option(
    "--fail-above",
    type=click.IntRange(0, 100),
    help="Fail the push when the risk score is above this. Default: the gate policy at the base.",
)
@click.option("--no-callgraph", is_flag=True, help="Skip the static call graph (faster, less context).")
@click.option(
    "--resident",
    is_flag=True,
    help="Ask the work tree's resident process first (and start one when none answers); this run "
    "is the same check either way.",
)
def hook_run(
    repo_dir: Path,
    remote: str | None,
    url: str | None,
    fmt: str,
    fail_above: int | None,
    no_callgraph: bool,
    resident: bool,
) -> int:
    """Check the commits being pushed; the exit code is the gate.

    Reads git's pre-push input (REMOTE and URL are the arguments git passes), or the range in
    PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF under the pre-commit framework. PREFLIGHT_SKIP=1 skips
    it with a message; `git push --no-verify` skips every pre-push hook.
    """
    from preflight.commands import hook as command

    color = fmt != "json" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return command.run(
        repo_dir, remote, sys.stdin, os.environ, sys.stdout, fmt, fail_above, not no_callgraph, color
    )

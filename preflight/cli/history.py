"""Commands over a repository's history and code: backtest, report, callgraph and demo."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from preflight.cli.group import cli
from preflight.cli.options import _file_or_stdout, format_option, repo_option


@cli.command()
@click.option(
    "--repo",
    "repo_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    help="The git checkout whose history is replayed (default: the current directory).",
)
@click.option("--range", "revisions", help="Commits to score, A..B (default: the whole history of HEAD).")
@click.option(
    "--incidents",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV or JSON of commit sha or PR number -> incident; without it, labels come from SZZ.",
)
@click.option(
    "--fit",
    is_flag=True,
    help="Learn the coefficients (oldest 60%, tested on the rest); --output keeps them.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where --fit writes the coefficients (e.g. .preflight/coefficients.json, which `check` reads"
    " from the base revision); without it nothing is written.",
)
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False), help="Write caught-vs-gated as SVG.")
@format_option("text", "json")
def backtest(
    repo_dir: Path,
    revisions: str | None,
    incidents: Path | None,
    fit: bool,
    output: Path | None,
    plot: Path | None,
    fmt: str,
) -> int:
    """Replay history: how well the risk model ranks the commits that later needed fixes."""
    from preflight.commands import backtest as command

    if plot is not None and str(plot) == "-":  # stdout carries the backtest's own report
        raise click.BadParameter(
            "the plot cannot go to standard output; name an .svg file", param_hint="--plot"
        )
    if output is not None and not fit:
        raise click.BadParameter(
            "only --fit writes coefficients; add --fit or drop --output", param_hint="--output"
        )
    if output is not None and str(output) == "-":
        raise click.BadParameter(
            "the coefficients cannot go to standard output; name a file", param_hint="--output"
        )
    progress = _stage_progress if sys.stderr.isatty() else None
    return command.run(repo_dir, revisions, incidents, fit, plot, fmt, sys.stdout, progress, output)


def _stage_progress(stage: str, done: int, total: int) -> None:
    """A progress bar per stage on a terminal (a count when the total is unknown)."""
    if total:
        filled = min(BAR_WIDTH, BAR_WIDTH * done // total)
        where = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done / total:4.0%} {done:,}/{total:,}"
    else:
        where = f"{done:,}"
    click.echo(f"\r\033[K{stage}: {where}", err=True, nl=False)


BAR_WIDTH = 30


@cli.command()
@click.argument("revisions", metavar="A..B")
@repo_option
@click.option(
    "--snapshot",
    type=click.Path(path_type=Path, file_okay=False),
    help="Runtime snapshot from `preflight collect`. Default: runtime.snapshot in .preflight.yml at A.",
)
@click.option(
    "--calls",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV of runtime traffic with columns qualname,calls_per_min (instead of a snapshot).",
)
@format_option("markdown", "html", "json", help="Digest format (html: one self-contained page with plots).")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Write the digest to this file (- for standard output, the default).",
)
@click.option("--no-callgraph", is_flag=True, help="Skip the static call graph (faster, less context).")
def report(
    revisions: str,
    repo_dir: Path,
    snapshot: Path | None,
    calls: Path | None,
    fmt: str,
    output: Path | None,
    no_callgraph: bool,
) -> int:
    """Release digest: every change merged in A..B, scored as `check` scores it at its parent.

    Merge commits and squash-merged pull requests (subject ending in "(#N)") on the first-parent
    line of B are one change each, as is every other commit on that line.
    """
    from preflight.commands import report as command

    return command.run(
        repo_dir,
        revisions,
        fmt,
        sys.stdout,
        snapshot,
        calls,
        _file_or_stdout(output),
        callgraph=not no_callgraph,
    )


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@format_option(
    "text",
    "json",
    help="json: PyCG's adjacency list {caller: [callees]}; text: counts and unresolved call sites.",
)
@click.option("--revision", help="Read the files at this commit of the checkout at PATH instead of the disk.")
def callgraph(path: Path, fmt: str, revision: str | None) -> int:
    """The static call graph of the Python code under PATH."""
    from preflight.commands import callgraph as command

    return command.run(path, fmt, sys.stdout, os.environ, revision, err=sys.stderr)


@cli.command()
@click.option(
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to build the example repository and write reports (a new directory, or one without "
    "shop/ in it), kept. Default: a temporary directory, removed when the demo ends.",
)
@click.option(
    "--scenario",
    metavar="NAME",
    help="Check only this scenario: docs-only, rare-function, hot-checkout-path, helper-signature or "
    "new-module. Default: all five.",
)
def demo(output_dir: Path | None, scenario: str | None) -> int:
    """Check the shop example's five scenario pull requests, end to end.

    Builds a git repository from examples/shop (ten services, their SLOs, a snapshot of recorded
    telemetry) with a branch per scenario, runs `check` on each against main, prints a summary and
    writes each scenario's Markdown and JSON report and one HTML digest. Needs preflight's source
    checkout (`make demo`); offline, a few seconds.
    """
    from preflight.commands import demo as command

    return command.run(output_dir, sys.stdout, scenario, environ=os.environ)

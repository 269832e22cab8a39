"""The command line: the only module that imports click. Options -> command -> exit code."""

from __future__ import annotations

import datetime
import io
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from preflight import __version__
from preflight.errors import PreflightError
from preflight.report import escaping

if TYPE_CHECKING:
    from preflight.commands import Target
    from preflight.models import GateMode
    from preflight.runtime.collect import Progress

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
    """--base/--head/--pre-push/--remote, shared by changes and check."""
    options = [
        click.option(
            "--base",
            help="Base revision. Default: GitHub event base, else merge-base with origin/HEAD, main or master.",
        ),
        click.option("--head", help="Head revision.  [default: HEAD]"),
        click.option("--pre-push", is_flag=True, help="Read the ranges from git's pre-push standard input."),
        click.option("--remote", help="Remote name being pushed to (with --pre-push; git passes it as $1)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="preflight")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors on stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """preflight: a pre-flight risk gate for pull requests."""
    ctx.obj = {"verbose": verbose}


@cli.command()
@repo_option
@range_options
@format_option("text", "json")
def changes(
    repo_dir: Path, base: str | None, head: str | None, pre_push: bool, remote: str | None, fmt: str
) -> int:
    """List the changed files and classify every changed function."""
    from preflight.commands import changes as command

    return command.run(_target(repo_dir, base, head, pre_push, remote), fmt, sys.stdout, os.environ)


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
        _target(repo_dir, base, head, pre_push, remote),
        fmt,
        _file_or_stdout(output),
        color=fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ,
        stages=stages,
        github=command.GitHub(comment, check_run) if github else None,
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


@cli.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Snapshot directory to write (replaced atomically).",
)
@click.option(
    "--from",
    "clickhouse_url",
    metavar="URL",
    help="Spans the OpenTelemetry collector's ClickHouse exporter stored, aggregated inside "
    "ClickHouse: clickhouse://[USER@]HOST[:PORT]/DATABASE[/TABLE] (clickhouses:// for HTTPS; "
    "password from $PREFLIGHT_CLICKHOUSE_PASSWORD).",
)
@click.option(
    "--since",
    metavar="DURATION",
    help="With --from: spans that started this long before --window-end (90s, 30m, 24h, 7d).  [default: 24h]",
)
@click.option(
    "--window-start", metavar="TIME", help="With --from: first span start, ISO 8601 (UTC if no offset)."
)
@click.option(
    "--window-end", metavar="TIME", help="With --from: end of the window (exclusive). Default: now."
)
@click.option(
    "--format",
    "fmt",
    help="Read every source as this format instead of detecting it: otlp, jaeger, zipkin, pstats, "
    "folded, table, openslo, sloth.",
)
@click.option(
    "--repo",
    "repo_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Checkout to resolve runtime functions against. Default: the current directory if it is one.",
)
@click.option(
    "--revision", default="HEAD", show_default=True, help="The deployed revision the telemetry ran."
)
@click.option("--service", help="service.name for profiles (pstats, folded stacks), which carry none.")
@click.option(
    "--window-seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="How long the profiles ran; without it their rates are unknown.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file for paths.map. Default: .preflight.yml at --revision.",
)
def collect(
    sources: tuple[Path, ...],
    output: Path,
    fmt: str | None,
    repo_dir: Path | None,
    revision: str,
    service: str | None,
    window_seconds: float | None,
    config_file: Path | None,
    clickhouse_url: str | None,
    since: str | None,
    window_start: str | None,
    window_end: str | None,
) -> int:
    """Build a runtime snapshot from telemetry, profiles and SLO files, or a ClickHouse server."""
    from preflight.commands import collect as command

    return command.run(
        list(sources),
        output,
        sys.stdout,
        repo_dir or Path("."),
        revision,
        repo_required=repo_dir is not None,
        fmt=fmt,
        service=service,
        window_seconds=window_seconds,
        config_file=config_file,
        progress=_progress if sys.stderr.isatty() else None,
        clickhouse_url=clickhouse_url,
        since=since,
        window_start=window_start,
        window_end=window_end,
        environ=os.environ,
    )


def _progress(at: Progress) -> None:
    """One status line on a terminal, rewritten in place; nothing when stderr is a file or pipe."""
    share = at.bytes_done / at.bytes_total if at.bytes_total else 1.0
    cores = f" on {os.cpu_count()} cores" if at.parallel else ""
    end = "\n" if at.number == at.files and share >= 1 else ""
    click.echo(
        f"\r\033[Kreading {at.number}/{at.files} {at.path.name}{cores}: {share:4.0%} of "
        f"{at.bytes_total / 1e6:,.1f} MB{end}",
        err=True,
        nl=False,
    )


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
    "--fit", is_flag=True, help="Learn the coefficients (oldest 60%, tested on the rest) and write them."
)
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False), help="Write caught-vs-gated as SVG.")
@format_option("text", "json")
def backtest(
    repo_dir: Path, revisions: str | None, incidents: Path | None, fit: bool, plot: Path | None, fmt: str
) -> int:
    """Replay history: how well the risk model ranks the commits that later needed fixes."""
    from preflight.commands import backtest as command

    if plot is not None and str(plot) == "-":  # stdout carries the backtest's own report
        raise click.BadParameter(
            "the plot cannot go to standard output; name an .svg file", param_hint="--plot"
        )
    progress = _stage_progress if sys.stderr.isatty() else None
    return command.run(repo_dir, revisions, incidents, fit, plot, fmt, sys.stdout, progress)


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


def _file_or_stdout(output: Path | None) -> Path | None:
    """--output -: standard output, as if the option were not given (never a file named "-")."""
    return None if output is not None and str(output) == "-" else output


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
@click.argument("function")
@click.option(
    "--snapshot",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Runtime snapshot from `preflight collect`.",
)
@repo_option
@format_option("text", "json")
def context(function: str, snapshot: Path, repo_dir: Path, fmt: str) -> int:
    """What production does with one function, given as PATH::QUALNAME."""
    from preflight.commands import context as command

    return command.run(function, snapshot, repo_dir, fmt, sys.stdout)


@cli.command()
@click.option(
    "--inject",
    "injections",
    multiple=True,
    metavar="SERVICE[:FUNCTION]:KIND=VALUE",
    help="A failure mode (repeatable). KIND: error, wrong (fractions), latency (200ms, x2), network (200ms), "
    "cpu (x2); VALUE may be a range LOW..HIGH.",
)
@click.option(
    "--snapshot",
    type=click.Path(path_type=Path, file_okay=False),
    help="Runtime snapshot: the service graph, function shares and SLOs with their error budgets.",
)
@click.option(
    "--graph",
    "graph_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Service graph CSV: caller,callee,calls_per_s[,p50_ms,p90_ms,mode,timeout_ms,retries,fallback] "
    "(an empty caller is outside traffic). Overrides the snapshot's edges.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config with services.<name>.calls/utilization. Default: ./.preflight.yml when present.",
)
@click.option(
    "--trials", type=click.IntRange(min=1), default=10_000, show_default=True, help="Monte Carlo trials."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same numbers).")
@format_option("text", "json")
def simulate(
    injections: tuple[str, ...],
    snapshot: Path | None,
    graph_file: Path | None,
    config_file: Path | None,
    trials: int,
    seed: int,
    fmt: str,
) -> int:
    """What-if: inject failure modes at services and predict every service and SLO."""
    from preflight.commands import simulate as command

    return command.run(injections, snapshot, graph_file, config_file, trials, seed, fmt, sys.stdout)


@cli.command()
@click.option(
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to build the example repository and write reports (a new directory, or one without "
    "shop/ in it). Default: a new temp dir.",
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

    return command.run(output_dir, sys.stdout, scenario)


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
def hook_install(repo_dir: Path, force: bool) -> int:
    """Write the pre-push hook, chaining any other.

    An existing pre-push hook is moved to pre-push.preflight-chained and run first, with the same
    input; either one failing blocks the push. Reinstalling updates the hook in place.
    """
    from preflight.commands import hook as command

    return command.install(repo_dir, force, sys.stdout)


@hook.command("uninstall")
@repo_option
def hook_uninstall(repo_dir: Path) -> int:
    """Remove the hook; the one it chained comes back."""
    from preflight.commands import hook as command

    return command.uninstall(repo_dir, sys.stdout)


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
def hook_run(
    repo_dir: Path, remote: str | None, url: str | None, fmt: str, fail_above: int | None, no_callgraph: bool
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


def _target(repo_dir: Path, base: str | None, head: str | None, pre_push: bool, remote: str | None) -> Target:
    """What the range options name; with --pre-push the ranges come from standard input."""
    from preflight.changes.revisions import read_pre_push
    from preflight.commands import Target

    lines = read_pre_push(sys.stdin) if pre_push else None
    return Target(repo_dir, base, head, lines, remote)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a command and map every outcome to an exit code."""
    verbose = "-v" in (argv or sys.argv[1:]) or "--verbose" in (argv or sys.argv[1:])
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="preflight", standalone_mode=False
        )
    except PreflightError as e:
        # Messages quote paths, refs and values: one line each, or a path holding
        # "\n::error::" would be a workflow command in a CI log.
        click.echo(f"preflight: error: {escaping.terminal(str(e))}", err=True)
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:  # usage errors included
        _show(e)
        return 2
    except (KeyboardInterrupt, click.Abort):
        click.echo("preflight: interrupted", err=True)
        return 130
    except Exception:
        return _crash(verbose)
    return result if isinstance(result, int) else 0


def _show(error: click.ClickException) -> None:
    """click's own error display (usage, hint, message), the message's control characters made visible."""
    buffer = io.StringIO()
    error.show(file=buffer)
    message = error.format_message()
    before, found, after = buffer.getvalue().rpartition(message)
    shown = before + escaping.terminal(message) + after if found else escaping.lines(buffer.getvalue())
    click.echo(shown, err=True, nl=False)


def _crash(verbose: bool) -> int:
    """A bug: save the traceback, ask for a report, exit 3. This handler itself never fails.

    The traceback may hold any text (file names, pre-push input decoded with surrogateescape):
    it is written with backslashreplace, and anything failing here (no temp dir, a closed stderr)
    still ends in exit 3 rather than a second traceback and Python's exit 1, which a pre-push hook
    would report as "gate failed"."""
    details = "".join(traceback.format_exc())
    try:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        fd, path = tempfile.mkstemp(prefix=f"preflight-crash-{stamp}-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"preflight {__version__}, Python {sys.version.split()[0]}\n")
            handle.write(details)
        where = f"The traceback is saved in {path}"
    except Exception as e:  # the report below must still be made
        where = f"The traceback could not be saved ({type(e).__name__}); re-run with -v to see it"
    message = (
        f"preflight: internal error (a bug). {where}; please open an issue in preflight's repository "
        "with it attached.\n"
    )
    if verbose:
        message = details + message
    try:
        stderr = sys.stderr.buffer if hasattr(sys.stderr, "buffer") else None
        if stderr is not None:
            sys.stderr.flush()
            stderr.write(message.encode("utf-8", "backslashreplace"))
            stderr.flush()
        elif sys.stderr is not None:
            sys.stderr.write(message.encode("ascii", "backslashreplace").decode("ascii"))
    except Exception:  # nowhere left to report to; the exit code still says it
        pass
    return 3

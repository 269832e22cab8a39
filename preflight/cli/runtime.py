"""Commands over runtime data: collect, context, simulate and the MCP server for coding agents."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from preflight.cli.group import cli
from preflight.cli.options import format_option, repo_option

if TYPE_CHECKING:
    from preflight.runtime.collect import Progress


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
    help="Read every source as this format instead of detecting it: otlp (OTLP JSON or protobuf), "
    "console, jaeger, zipkin, pstats, folded, table, openslo, sloth.",
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

    options = command.CollectRequest(
        sources,
        output,
        repo_dir or Path("."),
        revision,
        repo_required=repo_dir is not None,
        fmt=fmt,
        service=service,
        window_seconds=window_seconds,
        config_file=config_file,
        clickhouse_url=clickhouse_url,
        since=since,
        window_start=window_start,
        window_end=window_end,
    )
    return command.run(options, sys.stdout, os.environ, progress=_progress if sys.stderr.isatty() else None)


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


@cli.command("mcp")
@repo_option
@click.option(
    "--snapshot",
    type=click.Path(path_type=Path, file_okay=False),
    help="Runtime snapshot from `preflight collect`. Default: runtime.snapshot in .preflight.yml.",
)
@click.option(
    "--config",
    "config_file",
    help="Config file instead of .preflight.yml: a repository path, read at the base revision.",
)
def mcp_server(repo_dir: Path, snapshot: Path | None, config_file: str | None) -> int:
    """Serve runtime context to coding agents: an MCP server over stdio.

    Tools: get_function_context, list_hot_functions, assess_change and simulate_fault. Read-only:
    the work tree is read, never written, imported or run; no network. Needs the [mcp] extra.
    """
    from preflight.mcp import server

    return server.run(repo_dir, snapshot, config_file, os.environ)


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

"""`preflight collect`: build a runtime snapshot from telemetry files or a ClickHouse server."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from preflight import config, extras
from preflight.errors import GitError, InputError
from preflight.report import escaping
from preflight.repository import Repository

if TYPE_CHECKING:
    from preflight.runtime.clickhouse import ClickHouseTarget, Engine
    from preflight.runtime.collect import Progress
    from preflight.runtime.identity import CodeIndex


@dataclass(frozen=True, slots=True)
class CollectRequest:
    """Everything `preflight collect` is asked to do: its command-line options."""

    sources: tuple[Path, ...]
    """Telemetry, profile and SLO files or directories to read."""
    output: Path
    """Snapshot directory to write (replaced atomically)."""
    repo_dir: Path | None = None
    """Checkout to resolve runtime functions against; None: leave them unresolved."""
    revision: str = "HEAD"
    """The deployed revision the telemetry ran."""
    repo_required: bool = True
    """False: a repo_dir that is not a checkout is skipped (the default directory), not an error."""
    fmt: str | None = None
    """Read every source as this format instead of detecting it."""
    service: str | None = None
    """service.name for profiles, which carry none."""
    window_seconds: float | None = None
    """How long the profiles ran; None: their rates are unknown."""
    config_file: Path | None = None
    """Config for paths.map; None: .preflight.yml at revision."""
    clickhouse_url: str | None = None
    """--from: a ClickHouse server whose spans are read too."""
    since: str | None = None
    """With clickhouse_url: how long before window_end the window starts."""
    window_start: str | None = None
    """With clickhouse_url: first span start, ISO 8601."""
    window_end: str | None = None
    """With clickhouse_url: end of the window (exclusive); None: now."""


def run(
    options: CollectRequest,
    out: TextIO,
    environ: Mapping[str, str],
    now: datetime.datetime | None = None,
    progress: Callable[[Progress], None] | None = None,
    connect: Callable[[ClickHouseTarget], AbstractContextManager[Engine]] | None = None,
) -> int:
    """Read the sources (and the spans of a ClickHouse window), resolve functions against the
    repository at the revision, write the snapshot. connect: how to reach the server (default:
    clickhouse-connect; the tests pass chDB)."""
    extras.need("clickhouse" if options.clickhouse_url is not None else "collect", "preflight collect")
    from preflight.exposure import cache
    from preflight.runtime import clickhouse, collect

    now = now or datetime.datetime.now(datetime.timezone.utc)
    since, start, end = options.since, options.window_start, options.window_end
    if options.clickhouse_url is not None:
        target = clickhouse.parse_url(options.clickhouse_url, environ)
        span = clickhouse.window(since, start, end, now)
    elif since is not None or start is not None or end is not None:
        raise InputError("--since, --window-start and --window-end choose ClickHouse spans: pass --from too")
    elif not options.sources:
        raise InputError(
            "nothing to collect: pass telemetry files or directories, or --from clickhouse://HOST/DB"
        )
    settings, index = _resolution(options)
    reading = collect.CollectOptions(
        options.fmt, options.service, options.window_seconds, settings.path_map if settings else ()
    )
    pulled = []
    if options.clickhouse_url is not None:
        with (connect or clickhouse.connect)(target) as engine:
            pulled.append(clickhouse.pull(engine, target, span))
    meta = collect.collect(
        list(options.sources), options.output, reading, index, now, progress, pulled, cache.embedded
    )
    out.write(summary(meta, options.output))
    return 0


def _resolution(options: CollectRequest) -> tuple[config.Config | None, CodeIndex | None]:
    """The config (--config, else the revision's) and the code index runtime functions resolve against."""
    from preflight.runtime import identity

    settings = config.load_file(options.config_file) if options.config_file is not None else None
    if options.repo_dir is None:
        return settings, None
    try:
        repo = Repository(options.repo_dir)
    except GitError:
        if options.repo_required:
            raise
        return settings, None  # not a checkout: the snapshot keeps telemetry names, unresolved
    with repo:
        sha = repo.commit_sha(options.revision)
        if sha is None:
            raise GitError(f"unknown --revision {options.revision!r}: pass the deployed commit or branch")
        return settings or config.from_revision(repo, sha), identity.index_repository(repo, sha)


def summary(meta: dict[str, Any], output: Path) -> str:
    """What was read, rejected and built, in a few lines, every value escaped."""
    lines = [f"snapshot written to {output}"]
    lines.append(f"window: {meta['window_start'] or 'unknown'} .. {meta['window_end'] or 'unknown'}")
    for source in meta["sources"]:
        rejected = ", ".join(f"{reason} {count}" for reason, count in source["rejected"].items())
        lines.append(
            f"  {source['format']:<8} {source['path']}: {source['rows_read']} read, "
            f"{source['rows_rejected']} rejected{f' ({rejected})' if rejected else ''}"
        )
    for fmt, reasons in meta.get("aggregation_rejected", {}).items():
        lines.append(
            f"  {fmt:<8} spans dropped while joining traces: "
            + ", ".join(f"{r} {n}" for r, n in reasons.items())
        )
    rows = meta["rows"]
    lines.append(
        f"services {len(meta['services'])}, functions {rows['functions']}, edges {rows['edges']}, "
        f"endpoints {rows['endpoints']}, SLOs {rows['slos']}"
    )
    resolution = meta["resolution"]
    elsewhere = resolution.get("outside") or 0
    why = "standard library, installed packages, paths outside paths.map"
    if resolution["rate"] is not None:
        lines.append(
            f"resolved {resolution['resolved']}/{resolution['functions'] - elsewhere} runtime functions to the "
            f"repository ({resolution['rate']:.0%})"
            + (f"; {elsewhere} more are outside it, not counted ({why})" if elsewhere else "")
        )
        lines.extend(f"  unresolved: {name}" for name in resolution["unresolved"][:10])
    elif elsewhere:
        lines.append(f"no runtime function could be the repository's: all {elsewhere} are outside it ({why})")
    elif resolution["repository"] is None:
        lines.append("functions not resolved to code: no repository (run inside a checkout or pass --repo)")
    # Paths, reasons and names come from the telemetry: one line each, nothing raw (a CI log is a
    # terminal, and a line starting `::` is a workflow command there).
    return "".join(escaping.terminal(line) + "\n" for line in lines)

"""`preflight collect`: build a runtime snapshot from telemetry files or a ClickHouse server."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from preflight import config
from preflight.errors import GitError, InputError
from preflight.report import escaping
from preflight.repository import Repository
from preflight.runtime.collect import Progress

if TYPE_CHECKING:
    from preflight.runtime.clickhouse import ClickHouseTarget, Engine


def run(
    sources: list[Path],
    output: Path,
    out: TextIO,
    repo_dir: Path | None,
    revision: str,
    repo_required: bool = True,
    fmt: str | None = None,
    service: str | None = None,
    window_seconds: float | None = None,
    config_file: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    now: datetime.datetime | None = None,
    clickhouse_url: str | None = None,
    since: str | None = None,
    window_start: str | None = None,
    window_end: str | None = None,
    environ: Mapping[str, str] | None = None,
    connect: Callable[[ClickHouseTarget], AbstractContextManager[Engine]] | None = None,
) -> int:
    """Read the sources (and the spans of a ClickHouse window), resolve functions against the
    repository at revision, write the snapshot. connect: how to reach the server (default:
    clickhouse-connect; the tests pass chDB)."""
    from preflight.runtime import clickhouse, collect, identity

    now = now or datetime.datetime.now(datetime.timezone.utc)
    if clickhouse_url is not None:
        target = clickhouse.parse_url(clickhouse_url, environ or {})
        span = clickhouse.window(since, window_start, window_end, now)
    elif since is not None or window_start is not None or window_end is not None:
        raise InputError("--since, --window-start and --window-end choose ClickHouse spans: pass --from too")
    elif not sources:
        raise InputError(
            "nothing to collect: pass telemetry files or directories, or --from clickhouse://HOST/DB"
        )
    settings = config.load_file(config_file) if config_file is not None else None
    index = None
    if repo_dir is not None:
        try:
            repo = Repository(repo_dir)
        except GitError:
            if repo_required:
                raise
            repo = None  # not a checkout: the snapshot keeps telemetry names, unresolved
        if repo is not None:
            with repo:
                sha = repo.commit_sha(revision)
                if sha is None:
                    raise GitError(f"unknown --revision {revision!r}: pass the deployed commit or branch")
                settings = settings or config.from_revision(repo, sha)
                index = identity.index_repository(repo, sha)
    options = collect.CollectOptions(fmt, service, window_seconds, settings.path_map if settings else ())
    pulled = []
    if clickhouse_url is not None:
        with (connect or clickhouse.connect)(target) as engine:
            pulled.append(clickhouse.pull(engine, target, span))
    meta = collect.collect(sources, output, options, index, now, progress, pulled)
    out.write(summary(meta, output))
    return 0


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

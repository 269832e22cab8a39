"""`preflight report A..B`: the release digest of every change merged in a range."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TextIO

from preflight import config, exposure, pipeline
from preflight.digest import Digest, Merged, ScoredChange, history, summary
from preflight.errors import InputError
from preflight.event import Event
from preflight.files import write_atomic
from preflight.models import RevisionRange
from preflight.repository import Repository

FORMATS = ("markdown", "html", "json")


def run(
    repo_dir: Path,
    revisions: str,
    fmt: str,
    out: TextIO,
    snapshot: Path | None = None,
    calls: Path | None = None,
    output: Path | None = None,
    now: datetime.datetime | None = None,
    callgraph: bool = True,
) -> int:
    """Score every change of the range as `check` would have at its parent, and render the digest."""
    if calls is not None and not calls.is_file():
        raise InputError(f"--calls {calls}: no such file; pass a CSV with columns qualname,calls_per_min")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    with Repository(repo_dir) as repo:
        base, head = history.resolve(repo, revisions)
        found = history.merged(repo.root, base, head)
        if snapshot is None and calls is None:
            default = config.from_revision(repo, base).snapshot
            snapshot = repo_dir / default if default else None
        runtime = exposure.load(calls, snapshot)  # bad runtime data fails before any work
        digest = summary.build(
            revisions,
            base,
            head,
            score(repo, tuple(m for m in found if m.scored), runtime, now, callgraph),
            service_edges(runtime),
            runtime_location(calls, snapshot),
            tuple(m for m in found if not m.scored),  # forward-ports: listed, never scored
        )
    report = render(digest, fmt)
    if output is not None:
        write_atomic(output, report)
        out.write(f"{describe(digest)}; written to {output}\n")
    else:
        out.write(report)
    return 0  # a digest informs a release; `check` is the gate


def score(
    repo: Repository,
    found: tuple[Merged, ...],
    runtime: exposure.Runtime,
    now: datetime.datetime,
    callgraph: bool = True,
) -> tuple[ScoredChange, ...]:
    """Each change through pipeline.check, with the config, gate policy, history model and
    coefficients of its first parent (what was known before it merged)."""
    # The stages built for a config are reused while it does not change (most ranges never do).
    reaches: dict[Hashable, pipeline.Reach] = {}
    impacts: dict[Hashable, pipeline.Propagate | None] = {}
    scored = []
    for merged in found:
        settings = config.from_revision(repo, merged.parent)
        code = (settings.entry_points, settings.production, settings.non_production)
        if callgraph and code not in reaches:
            reaches[code] = pipeline.code_reach(repo, settings, runtime)
        services = (settings.calls, settings.utilization)
        if services not in impacts:
            impacts[services] = pipeline.change_impact(settings, runtime)
        revisions = RevisionRange(
            base=merged.parent or "empty tree",
            head=merged.sha,
            base_sha=merged.parent,
            head_sha=merged.sha,
            merge_base=merged.parent,
            source="first-parent",
        )
        stages = pipeline.Stages(
            repo,
            runtime,
            settings,
            None,
            reaches[code] if callgraph else None,
            impacts[services],
            pipeline.gate_override(repo, settings.gate, Event()),  # trailers only: a digest has no PR event
            pipeline.change_likelihood(repo, merged.parent),
        )
        result = pipeline.check(stages, revisions, now)
        scored.append(ScoredChange(merged, result))
    return tuple(scored)


def service_edges(runtime: exposure.Runtime) -> tuple[tuple[str, str, float | None], ...]:
    """The snapshot's service-to-service calls, summed per pair (empty without services)."""
    services = runtime.services()
    return () if services is None else services.rates


def runtime_location(calls: Path | None, snapshot: Path | None) -> str | None:
    """Where the runtime data came from, as the report names it."""
    return str(calls) if calls is not None else str(snapshot) if snapshot is not None else None


def render(digest: Digest, fmt: str) -> str:
    """The digest in one of FORMATS."""
    from preflight.digest import render as renderer  # jinja2 and networkx only when rendering

    renderers: dict[str, Callable[[Digest], str]] = {
        "json": renderer.dumps,
        "html": renderer.html,
        "markdown": renderer.markdown,
    }
    return renderers[fmt](digest)


def describe(digest: Digest) -> str:
    """One line for the terminal when the report goes to a file."""
    skipped = digest.totals.skipped
    branches = f"; {skipped} branch merge{'' if skipped == 1 else 's'} (forward-ports) not scored"
    branches = branches if skipped else ""
    if not digest.changes:
        return f"no changes in {digest.range}: nothing merged between its ends{branches}"
    levels = ", ".join(f"{n} {level}" for level, n in digest.totals.by_level if n)
    count = digest.totals.changes
    return f"{count} change{'' if count == 1 else 's'} in {digest.range} ({levels}){branches}"

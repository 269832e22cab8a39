"""`preflight check`: the whole pipeline; the exit code is the gate."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from preflight import config, exposure, pipeline
from preflight.commands import Target
from preflight.errors import InputError
from preflight.files import write_atomic
from preflight.models import CheckResult, Exposure, Likelihood, RevisionRange
from preflight.report import document, text
from preflight.repository import Repository
from preflight.sinks import Outcome, Sink

FORMATS = ("markdown", "json", "text", "compact")


def run(
    target: Target,
    fmt: str,
    out: TextIO,
    environ: Mapping[str, str],
    calls: Path | None = None,
    fail_above: int | None = None,
    output: Path | None = None,
    color: bool = False,
    snapshot: Path | None = None,
    now: datetime.datetime | None = None,
    callgraph: bool = True,
    sinks: Sequence[Sink] = (),
    mode: str | None = None,
    config_file: str | None = None,
) -> int:
    """Run the pipeline for every range; exit 1 if any range fails the gate; then feed the sinks."""
    if calls is not None and not calls.is_file():
        raise InputError(f"--calls {calls}: no such file; pass a CSV with columns qualname,calls_per_min")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    rendered: list[str] = []
    failed = False
    results: list[CheckResult] = []
    with Repository(target.repo_dir) as repo:
        ranges = target.ranges(repo, environ)
        policy_at = policy_revision(repo, ranges[0], environ) if ranges else None
        settings = load_settings(repo, policy_at, config_file, mode)
        if snapshot is None and calls is None and settings.snapshot:
            snapshot = target.repo_dir / settings.snapshot
        # bad runtime data fails before any work
        runtime = exposure.load(calls, snapshot, runtime_cache(repo))
        reach = code_reach(repo, settings, runtime) if callgraph else None
        impact = change_impact(settings, runtime)
        override = gate_override(repo, settings.gate, environ)
        likely = change_likelihood(repo, policy_at) if ranges else None
        for revisions in ranges:
            result = pipeline.check(
                repo,
                revisions,
                runtime,
                fail_above,
                now,
                reach,
                impact,
                settings.gate,
                override,
                likely,
                settings.is_production,
            )
            results.append(result)
            if not result.changes.files and fmt != "json":
                rendered.append("nothing to check: no files changed\n")
                continue
            rendered.append(render(result, fmt, color))
            failed = failed or not result.decision.passed
    report = "".join(rendered)
    if output is not None:
        write_atomic(output, report)
    else:
        out.write(report)
    code = 1 if failed else 0
    for sink in sinks:  # after the report is written: a sink never changes the gate's exit code
        sink.publish(Outcome(tuple(results), code, output))
    return code


def policy_revision(repo: Repository, revisions: RevisionRange, environ: Mapping[str, str]) -> str | None:
    """The commit whose `.preflight.yml` and coefficients judge the change: the target branch as it
    is now, never the merge base (a branch started before the policy was tightened would be judged
    by the old one) and never the change. On GitHub the base branch's fetched tip; for a push from
    the hook the default branch's tip; else the base named (--base, the event's base commit)."""
    base_ref = environ.get("GITHUB_BASE_REF")
    if base_ref and revisions.source.startswith("github"):
        tip = repo.commit_sha(f"origin/{base_ref}") or repo.commit_sha(base_ref)
        if tip is not None:
            return tip
    if revisions.source == "pre-push":
        default = repo.default_branch()
        tip = repo.commit_sha(default) if default else None
        if tip is not None:
            return tip
    return revisions.base_sha or revisions.merge_base


def load_settings(
    repo: Repository, base: str | None, config_file: str | None, mode: str | None
) -> config.Config:
    """The base revision's config (--config: a repository path read at the base, or an absolute
    path outside the change); --mode replaces the gate's mode."""
    if config_file is None:
        settings = config.from_revision(repo, base)
    elif Path(config_file).is_absolute():
        settings = config.load_file(Path(config_file))
    else:
        data = repo.file_at(base, config_file)
        if data is None:
            raise InputError(
                f"--config {config_file}: not in the base revision {(base or 'empty tree')[:12]}; commit it "
                "to the base branch first (the gate is read from the base, so a change cannot loosen it)"
            )
        source = f"{(base or '')[:12]}:{config_file}"
        try:
            settings = config.parse(data.decode("utf-8"), source)
        except UnicodeDecodeError as e:
            raise InputError(f"{source}: config is not UTF-8 text") from e
    if mode is not None:
        settings = dataclasses.replace(settings, gate=dataclasses.replace(settings.gate, mode=mode))
    return settings


def gate_override(repo: Repository, policy: config.Gate, environ: Mapping[str, str]) -> pipeline.Override:
    """The pull request's override label (GitHub event) or an override trailer in the change's commits."""
    from preflight.changes.revisions import read_event

    event = read_event(environ.get("GITHUB_EVENT_PATH"))
    pull = event.get("pull_request")
    labels = pull.get("labels") if isinstance(pull, dict) else None
    names = (
        {label.get("name") for label in labels if isinstance(label, dict)}
        if isinstance(labels, list)
        else set()
    )
    labelled = policy.override_label in names

    def find(revisions: RevisionRange) -> str | None:
        if labelled:
            return f"the pull request label {policy.override_label!r}"
        if policy.override_trailer is None:  # off unless the base's policy names approvers
            return None
        found = repo.trailers(revisions.merge_base, revisions.head_sha, policy.override_trailer)
        approved = [
            (sha, email, why) for sha, email, why in found if email.lower() in policy.override_approvers
        ]
        if approved:
            sha, email, reason = approved[0]
            return f"the commit trailer {policy.override_trailer}: {reason!r} in {sha[:12]}, committed by {email}"
        return None

    return find


def change_likelihood(repo: Repository, base: str | None) -> pipeline.Likely:
    """Each range's defect probability from the history before it, with the coefficients that
    `backtest --fit` committed at the base revision (a change cannot refit its own model), else
    the documented defaults."""
    from preflight.history import model, pending
    from preflight.history.model import COEFFICIENTS_FILE
    from preflight.risk import likelihood

    coefficients = model.DEFAULT_COEFFICIENTS
    data = repo.file_at(base, COEFFICIENTS_FILE) if base is not None else None
    if data is not None:
        source = f"{(base or '')[:12]}:{COEFFICIENTS_FILE}"
        coefficients = model.parse(data.decode("utf-8", "replace"), source)
    shallow = repo.is_shallow()

    def find(revisions: RevisionRange) -> Likelihood | None:
        if revisions.merge_base is None:  # a root commit or unrelated histories: nothing before it
            return None
        found = pending.features(repo.root, revisions.merge_base, revisions.head_sha)
        notes = list(found.notes)
        if shallow:
            notes.append(
                "shallow clone: history features count only the fetched commits (use fetch-depth: 0)"
            )
        return likelihood.estimate(found.values, coefficients, found.commits, notes)

    return find


def change_impact(settings: config.Config, runtime: exposure.Runtime) -> pipeline.Propagate | None:
    """Stage 5 over the snapshot's service graph (with the base's declared calls), when it has one."""
    services = runtime.services()
    if services is None:
        return None
    from preflight.propagation import change

    graph = services.graph().with_config(settings)
    return lambda found: change.predict(found, graph, services.slos)


def runtime_cache(repo: Repository) -> Path:
    """Where a snapshot's prepared form is kept: in the clone's git directory, never committed."""
    return repo.git_dir / "preflight" / "runtime"


def code_reach(repo: Repository, settings: config.Config, runtime: exposure.Runtime) -> pipeline.Reach:
    """Entry points and inferred traffic from the call graph of the head (cached by blob id),
    production code only by the base's paths policy (applied here, so the cache never depends on it)."""
    from preflight.callgraph import cache, reach
    from preflight.callgraph.entrypoints import Pattern

    patterns = tuple(Pattern(decorator, kind) for decorator, kind in settings.entry_points)
    rates, homes = runtime.rates(), runtime.homes()  # once for every range

    def attach(found: Exposure, revisions: RevisionRange) -> Exposure:
        code = cache.index(repo, revisions.head_sha, patterns=patterns)
        excluded = reach.non_production(code.graph.functions, code.graph.edges, settings.is_production)
        entries: dict[str, list[str]] = {}
        left_out = 0
        for entry in code.entry_points:
            if not settings.is_production(entry.path):
                left_out += 1
                continue
            entries.setdefault(entry.qualname, []).append(
                reach.label(entry.kind, entry.framework, entry.detail)
            )
        attached = reach.attach(found, code.graph.edges, entries, rates, homes, excluded)
        return dataclasses.replace(attached, entry_points_left_out=left_out)

    return attach


def render(result: CheckResult, fmt: str, color: bool = False) -> str:
    """A check result in one of FORMATS."""
    if fmt == "json":
        return document.dumps(document.check_document(result))
    if fmt == "text":
        return text.check_text(result, color)
    if fmt == "compact":  # the pre-push hook's few lines
        from preflight.report import compact

        return compact.check_compact(result, color)
    from preflight.report import markdown  # jinja2: only when rendering Markdown (the hook never does)

    return markdown.render_check(result)

"""Wire the stages together: prepare them once for a repository and its base policy, then check
each revision range through them (changes -> exposure + code index -> propagation -> risk -> gate)."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from preflight import config, exposure, gate, risk
from preflight.changes import changeset
from preflight.errors import InputError
from preflight.event import Event
from preflight.exposure import Runtime, mark_production
from preflight.models import CheckResult, Exposure, Gate, GateMode, Impact, Likelihood, RevisionRange
from preflight.repository import Repository

if TYPE_CHECKING:
    from preflight.callgraph.cache import CallGraphIndex
    from preflight.callgraph.entrypoints import Pattern

Reach = Callable[[Exposure, RevisionRange], Exposure]
"""Adds what the code index knows (entry points, inferred traffic) to an exposure."""
Propagate = Callable[[Exposure], "Impact | None"]
"""Predicts the impact of the exposed functions failing (stage 5)."""
Override = Callable[[RevisionRange], "str | None"]
"""Finds a request to pass a failing gate (a pull-request label, a commit trailer), described."""
Likely = Callable[[RevisionRange], "Likelihood | None"]
"""The probability that the change is defective, from history before it (None: no history)."""
Index = Callable[[Repository, RevisionRange, "tuple[Pattern, ...]"], "CallGraphIndex"]
"""Builds the code index of a range's head with the given entry-point patterns."""


@dataclass(frozen=True, slots=True)
class Options:
    """What a check is asked for beyond its revision ranges (the command line's check options)."""

    calls: Path | None = None
    """--calls: a CSV of per-function traffic instead of a snapshot."""
    snapshot: Path | None = None
    """--snapshot; None: runtime.snapshot of the base revision's config."""
    config_file: str | None = None
    """--config: a repository path read at the base revision, or an absolute path."""
    mode: GateMode | None = None
    """--mode: replaces the gate policy's mode."""
    callgraph: bool = True
    """False with --no-callgraph: no entry points, no traffic inferred from callers."""
    fail_above: int | None = None
    """--fail-above: blocking at this score, whatever the policy says."""
    repo_dir: Path = Path(".")
    """--repo: where a relative runtime.snapshot of the config is found."""
    approximate_callgraph: bool = False
    """The pre-push hook's speed: the code index may resume its last solve through widened slots
    (callgraph/incremental.py) where an exact graph would be solved from scratch."""


@dataclass(frozen=True, slots=True)
class Stages:
    """Every stage of a check, prepared once for a repository, its base policy and runtime data."""

    repo: Repository
    runtime: Runtime
    """The validated runtime data (snapshot or --calls; empty without either)."""
    settings: config.Config = dataclasses.field(default_factory=config.Config)
    """The base revision's config: gate policy and production paths."""
    fail_above: int | None = None
    """--fail-above, carried to the gate."""
    reach: Reach | None = None
    propagate: Propagate | None = None
    override: Override | None = None
    likely: Likely | None = None


def check(stages: Stages, revisions: RevisionRange, now: datetime.datetime) -> CheckResult:
    """changes -> exposure (+ code index) -> propagation -> risk -> gate (runtime data validated before)."""
    production = stages.settings.is_production
    change_set = changeset.compute(stages.repo, revisions)
    joined = mark_production(stages.runtime.join(change_set, now), production)
    if stages.reach is not None:
        joined = stages.reach(joined, revisions)
    impact = stages.propagate(joined) if stages.propagate is not None else None
    likelihood = stages.likely(revisions) if stages.likely is not None else None
    paths = tuple(f.path for f in change_set.files)
    unparsed = changeset.unparsed(change_set, production)
    assessed = risk.assess(joined, impact, likelihood, unparsed)
    behavioural = [f for f in joined.functions if f.change.behavioural and f.production]
    context = gate.GateContext(
        paths=paths,
        services=tuple(sorted({f.service for f in behavioural if f.service})),
        impact=impact,
        runtime_missing=bool(behavioural) and all(risk.traffic(f) is None for f in behavioural),
        unparsed=tuple(f.path for f in unparsed),
        override=stages.override(revisions) if stages.override is not None else None,
    )
    decision = gate.decide(assessed, stages.settings.gate, stages.fail_above, context)
    return CheckResult(change_set, joined, assessed, decision, impact, likelihood)


def prepare(
    repo: Repository,
    ranges: Sequence[RevisionRange],
    options: Options,
    environ: Mapping[str, str],
    event: Event,
    runtime: Runtime | None = None,
    index: Index | None = None,
) -> Stages:
    """The stages for checking `ranges`, with the config, policy and coefficients of the base;
    bad runtime data fails here, before any work.

    runtime: data a long-lived caller loaded already (None: load it as options and the config
    say); index: how it builds the head's code index (None: code_index)."""
    policy_at = policy_revision(repo, ranges[0], environ) if ranges else None
    settings = load_settings(repo, policy_at, options.config_file, options.mode)
    snapshot = options.snapshot
    configured = settings.snapshot if snapshot is None and options.calls is None else None
    if configured:
        snapshot = options.repo_dir / configured
        if runtime is None and not os.path.lexists(snapshot):
            # configured before a job built it (as `preflight init` writes it): unknown, not an
            # error; a --snapshot given on the command line must exist
            runtime = exposure.absent(configured)
    if runtime is None:
        runtime = exposure.load(options.calls, snapshot, runtime_cache(repo))
    return Stages(
        repo,
        runtime,
        settings,
        options.fail_above,
        code_reach(repo, settings, runtime, index or _index(options)) if options.callgraph else None,
        change_impact(settings, runtime),
        gate_override(repo, settings.gate, event),
        change_likelihood(repo, policy_at) if ranges else None,
    )


def policy_revision(repo: Repository, revisions: RevisionRange, environ: Mapping[str, str]) -> str | None:
    """The commit whose `.preflight.yml` and coefficients judge the change: the target branch as it
    is now, never the merge base (a branch started before the policy was tightened would be judged
    by the old one) and never the change. On a pull request, the base branch's fetched tip whenever
    the base given (the event's, or --base) is behind it; for a push (the hook, or a push event)
    the default branch's tip, unless that tip holds the change itself (a push to the default
    branch: then the commit before it); else the base named."""
    base_ref = environ.get("GITHUB_BASE_REF")
    tip = (repo.commit_sha(f"origin/{base_ref}") or repo.commit_sha(base_ref)) if base_ref else None
    if tip is not None and (revisions.base_sha is None or repo.is_ancestor(revisions.base_sha, tip)):
        return tip
    if revisions.source == "pre-push" or (revisions.source == "github-event" and not base_ref):
        default = repo.default_branch()
        tip = repo.commit_sha(default) if default else None
        if tip is not None and not repo.is_ancestor(revisions.head_sha, tip):
            return tip
    return revisions.base_sha or revisions.merge_base


def load_settings(
    repo: Repository, base: str | None, config_file: str | None, mode: GateMode | None
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


def gate_override(repo: Repository, policy: Gate, event: Event) -> Override:
    """The pull request's override label (GitHub event) or an override trailer in the change's commits."""
    labelled = policy.override_label in event.labels

    def find(revisions: RevisionRange) -> str | None:
        if labelled:
            return f"the pull request label {policy.override_label!r}"
        if policy.override_trailer is None:  # off unless the base's policy names approvers
            return None
        if revisions.worktree:  # a trailer approves a commit, never edits made after it
            return None
        # Only the head commit counts: an approver's trailer approves the code as it is at the
        # commit they made, not commits stacked on it or merged in beside it.
        found = repo.trailers(revisions.merge_base, revisions.head_sha, policy.override_trailer)
        approved = [
            (email, why)
            for sha, email, why in found
            if sha == revisions.head_sha and email.lower() in policy.override_approvers
        ]
        if approved:
            email, reason = approved[0]
            return (
                f"the commit trailer {policy.override_trailer}: {reason!r} in {revisions.head_sha[:12]}, "
                f"committed by {email}"
            )
        return None

    return find


def change_likelihood(repo: Repository, base: str | None) -> Likely:
    """Each range's defect probability from the history before it, with the coefficients that
    `backtest --fit` committed at the base revision (a change cannot refit its own model), else
    the documented defaults."""
    from preflight.history import coefficients as model
    from preflight.history import pending
    from preflight.history.coefficients import COEFFICIENTS_FILE
    from preflight.history.features import FEATURES
    from preflight.risk import likelihood

    coefficients = model.DEFAULT_COEFFICIENTS
    data = repo.file_at(base, COEFFICIENTS_FILE) if base is not None else None
    if data is not None:
        source = f"{(base or '')[:12]}:{COEFFICIENTS_FILE}"
        coefficients = model.parse(data.decode("utf-8", "replace"), source)
    shallow = repo.is_shallow()
    weighed = {name for name, weight in zip(FEATURES, coefficients.weights, strict=True) if weight}

    def find(revisions: RevisionRange) -> Likelihood | None:
        if revisions.merge_base is None:  # a root commit or unrelated histories: nothing before it
            return None
        untracked = repo.untracked_files() if revisions.worktree else None
        found = pending.features(repo.root, revisions.merge_base, revisions.head_sha, untracked, weighed)
        notes = list(found.notes)
        if shallow:
            notes.append(
                "shallow clone: history features count only the fetched commits (use fetch-depth: 0)"
            )
        return likelihood.estimate(found.values, coefficients, found.commits, notes)

    return find


def change_impact(settings: config.Config, runtime: exposure.Runtime) -> Propagate | None:
    """Stage 5 over the snapshot's service graph (with the base's declared calls), when it has one."""
    services = runtime.services()
    if services is None:
        return None
    from preflight.propagation import change
    from preflight.propagation.graph import from_services

    graph = from_services(services).with_config(settings)
    return lambda found: change.predict(found, graph, services.slos)


def runtime_cache(repo: Repository) -> Path:
    """Where a snapshot's prepared form is kept: in the clone's git directory, never committed."""
    return repo.git_dir / "preflight" / "runtime"


def code_index(
    repo: Repository, revisions: RevisionRange, patterns: tuple[Pattern, ...], approximate: bool = False
) -> CallGraphIndex:
    """The code index of a range's head (cached by blob id): the head commit's files, or the work
    tree's as they are on disk (approximate: Options.approximate_callgraph)."""
    from preflight.callgraph import cache

    if revisions.worktree:
        return cache.index_worktree(repo, patterns=patterns, approximate=approximate)
    return cache.index(repo, revisions.head_sha, patterns=patterns, approximate=approximate)


def _index(options: Options) -> Index:
    """code_index, approximate when the options allow it."""
    if options.approximate_callgraph:
        return functools.partial(code_index, approximate=True)
    return code_index


def code_reach(
    repo: Repository, settings: config.Config, runtime: exposure.Runtime, index: Index | None = None
) -> Reach:
    """Entry points and inferred traffic from the call graph of the head (index: how it is built,
    code_index by default), production code only by the base's paths policy (applied here, so the
    cache never depends on it)."""
    from preflight.callgraph import reach
    from preflight.callgraph.entrypoints import Pattern

    patterns = tuple(Pattern(decorator, kind) for decorator, kind in settings.entry_points)
    rates, homes = runtime.rates(), runtime.homes()  # once for every range
    build = index or code_index

    def attach(found: Exposure, revisions: RevisionRange) -> Exposure:
        code = build(repo, revisions, patterns)
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
        solved = "approximate" if code.stats.solve == "approximate" else "exact"
        return dataclasses.replace(attached, entry_points_left_out=left_out, call_graph=solved)

    return attach

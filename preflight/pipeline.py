"""Wire the stages together; no logic of its own."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from preflight import changes, gate, risk
from preflight.config import Config, Gate
from preflight.exposure import Runtime, mark_production
from preflight.models import CheckResult, Exposure, Impact, Likelihood, RevisionRange
from preflight.repository import Repository

Reach = Callable[[Exposure, RevisionRange], Exposure]
"""Adds what the code index knows (entry points, inferred traffic) to an exposure."""
Propagate = Callable[[Exposure], "Impact | None"]
"""Predicts the impact of the exposed functions failing (stage 5)."""
Override = Callable[[RevisionRange], "str | None"]
"""Finds a request to pass a failing gate (a pull-request label, a commit trailer), described."""
Likely = Callable[[RevisionRange], "Likelihood | None"]
"""The probability that the change is defective, from history before it (None: no history)."""
Production = Callable[[str], bool]
"""Whether a repository path is production code (config.Config.is_production of the base)."""


def check(
    repo: Repository,
    revisions: RevisionRange,
    runtime: Runtime,
    fail_above: int | None,
    now: datetime.datetime,
    reach: Reach | None = None,
    propagate: Propagate | None = None,
    policy: Gate | None = None,
    override: Override | None = None,
    likely: Likely | None = None,
    production: Production | None = None,
) -> CheckResult:
    """changes -> exposure (+ code index) -> propagation -> risk -> gate (runtime data validated before)."""
    change_set = changes.compute(repo, revisions)
    joined = mark_production(runtime.join(change_set, now), production or Config().is_production)
    if reach is not None:
        joined = reach(joined, revisions)
    impact = propagate(joined) if propagate is not None else None
    likelihood = likely(revisions) if likely is not None else None
    paths = tuple(f.path for f in change_set.files)
    unparsed = changes.unparsed(change_set, production or Config().is_production)
    assessed = risk.assess(joined, impact, likelihood, paths, unparsed)
    behavioural = [f for f in joined.functions if f.change.behavioural and f.production]
    context = gate.Context(
        paths=paths,
        services=tuple(sorted({f.service for f in behavioural if f.service})),
        impact=impact,
        runtime_missing=bool(behavioural) and all(risk.traffic(f) is None for f in behavioural),
        unparsed=tuple(f.path for f in unparsed),
        override=override(revisions) if override is not None else None,
    )
    return CheckResult(
        change_set,
        joined,
        assessed,
        gate.decide(assessed, policy or Gate(), fail_above, context),
        impact,
        likelihood,
    )

"""Wire the stages together; no logic of its own."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from preflight import changes, risk
from preflight.exposure import Runtime
from preflight.models import CheckResult, Exposure, Impact, RevisionRange
from preflight.repository import Repository

Reach = Callable[[Exposure, RevisionRange], Exposure]
"""Adds what the code index knows (entry points, inferred traffic) to an exposure."""
Propagate = Callable[[Exposure], "Impact | None"]
"""Predicts the impact of the exposed functions failing (stage 5)."""


def check(
    repo: Repository,
    revisions: RevisionRange,
    runtime: Runtime,
    fail_above: int | None,
    now: datetime.datetime,
    reach: Reach | None = None,
    propagate: Propagate | None = None,
) -> CheckResult:
    """changes -> exposure (+ code index) -> propagation -> risk -> decision (runtime data validated before)."""
    change_set = changes.compute(repo, revisions)
    joined = runtime.join(change_set, now)
    if reach is not None:
        joined = reach(joined, revisions)
    impact = propagate(joined) if propagate is not None else None
    assessed = risk.assess(joined, impact)
    return CheckResult(change_set, joined, assessed, risk.decide(assessed, fail_above), impact)

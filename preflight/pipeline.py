"""Wire the stages together; no logic of its own."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from preflight import changes, risk
from preflight.exposure import Runtime
from preflight.models import CheckResult, Exposure, RevisionRange
from preflight.repository import Repository

Reach = Callable[[Exposure, RevisionRange], Exposure]
"""Adds what the code index knows (entry points, inferred traffic) to an exposure."""


def check(
    repo: Repository,
    revisions: RevisionRange,
    runtime: Runtime,
    fail_above: int | None,
    now: datetime.datetime,
    reach: Reach | None = None,
) -> CheckResult:
    """changes -> exposure (+ code index) -> risk -> decision (runtime data was loaded and validated before)."""
    change_set = changes.compute(repo, revisions)
    joined = runtime.join(change_set, now)
    if reach is not None:
        joined = reach(joined, revisions)
    assessed = risk.assess(joined)
    return CheckResult(change_set, joined, assessed, risk.decide(assessed, fail_above))

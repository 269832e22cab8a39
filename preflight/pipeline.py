"""Wire the stages together; no logic of its own."""

from __future__ import annotations

import datetime

from preflight import changes, risk
from preflight.exposure import Runtime
from preflight.models import CheckResult, RevisionRange
from preflight.repository import Repository


def check(
    repo: Repository,
    revisions: RevisionRange,
    runtime: Runtime,
    fail_above: int | None,
    now: datetime.datetime,
) -> CheckResult:
    """changes -> exposure -> risk -> decision (runtime data was loaded and validated before)."""
    change_set = changes.compute(repo, revisions)
    joined = runtime.join(change_set, now)
    assessed = risk.assess(joined)
    return CheckResult(change_set, joined, assessed, risk.decide(assessed, fail_above))

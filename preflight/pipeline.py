"""Wire the stages together; no logic of its own."""

from __future__ import annotations

from pathlib import Path

from preflight import changes, exposure, risk
from preflight.models import CheckResult, RevisionRange
from preflight.repository import Repository


def check(
    repo: Repository, revisions: RevisionRange, calls_file: Path | None, fail_above: int | None
) -> CheckResult:
    """changes -> exposure -> risk -> decision."""
    calls = exposure.load_calls(calls_file) if calls_file is not None else None  # bad input fails before work
    change_set = changes.compute(repo, revisions)
    joined = exposure.join(change_set, calls, str(calls_file) if calls_file is not None else None)
    assessed = risk.assess(joined)
    return CheckResult(change_set, joined, assessed, risk.decide(assessed, fail_above))

"""models/result.py: a CheckResult holds every stage's output; impact and likelihood are optional."""

from __future__ import annotations

import dataclasses

import pytest

from preflight.models import ChangeSet, CheckResult, Decision, Exposure, Risk
from preflight.models.changes import RevisionRange


def test_check_result_holds_each_stage_and_is_frozen() -> None:
    changes = ChangeSet(RevisionRange("main", "HEAD", None, "b" * 40, None, "local"), (), ())
    exposure = Exposure((), None)
    risk = Risk(0, "low", (), (), "high")
    decision = Decision(None, "advisory")
    result = CheckResult(changes, exposure, risk, decision)
    assert (result.changes, result.exposure, result.risk, result.decision) == (
        changes,
        exposure,
        risk,
        decision,
    )
    assert result.impact is None and result.likelihood is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.risk = risk  # type: ignore[misc]

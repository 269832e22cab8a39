"""What one check produces: every stage's output, as the report stage renders it."""

from __future__ import annotations

from dataclasses import dataclass

from preflight.models.changes import ChangeSet
from preflight.models.exposure import Exposure
from preflight.models.impact import Impact
from preflight.models.policy import Decision
from preflight.models.risk import Likelihood, Risk


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Everything the report stage renders."""

    changes: ChangeSet
    exposure: Exposure
    risk: Risk
    decision: Decision
    impact: Impact | None = None
    """What the propagation stage predicts; None when no changed function has a service."""
    likelihood: Likelihood | None = None
    """The history model's defect probability; None when there is no history before the change."""

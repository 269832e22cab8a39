"""Frozen values passed between pipeline stages: the contracts.

Every stage takes and returns these; git objects, tree-sitter trees, DataFrames
and graphs stay inside the stage that owns them. One module per stage's output;
this package re-exports them all, so `from preflight.models import X` is the way in.
"""

from __future__ import annotations

from preflight.models.changes import (
    BEHAVIOURAL_KINDS,
    Aspect,
    ChangeKind,
    ChangeSet,
    FileChange,
    FileStatus,
    FunctionChange,
    LineSpan,
    Parsed,
    RevisionRange,
    Scope,
)
from preflight.models.exposure import (
    UNMEASURED,
    Exposure,
    FunctionExposure,
    Indicator,
    InferredTraffic,
    ReachRoute,
    RuntimeInfo,
    RuntimeStats,
    SloStatus,
)
from preflight.models.impact import EXHAUSTED_BEFORE, Estimate, Impact, ServiceImpact, SloImpact
from preflight.models.policy import VERDICTS, Decision, FailMode, Gate, GateMode, GateRule, Verdict
from preflight.models.result import CheckResult
from preflight.models.risk import Confidence, Driver, Factor, Level, Likelihood, Risk
from preflight.models.services import (
    Call,
    CallMode,
    CallSettings,
    PathMapping,
    Route,
    RouteCall,
    Service,
    Services,
)

__all__ = [
    "BEHAVIOURAL_KINDS",
    "EXHAUSTED_BEFORE",
    "UNMEASURED",
    "VERDICTS",
    "Aspect",
    "Call",
    "CallMode",
    "CallSettings",
    "ChangeKind",
    "ChangeSet",
    "CheckResult",
    "Confidence",
    "Decision",
    "Driver",
    "Estimate",
    "Exposure",
    "Factor",
    "FailMode",
    "FileChange",
    "FileStatus",
    "FunctionChange",
    "FunctionExposure",
    "Gate",
    "GateMode",
    "GateRule",
    "Impact",
    "Indicator",
    "InferredTraffic",
    "Level",
    "Likelihood",
    "LineSpan",
    "Parsed",
    "PathMapping",
    "ReachRoute",
    "RevisionRange",
    "Risk",
    "Route",
    "RouteCall",
    "RuntimeInfo",
    "RuntimeStats",
    "Scope",
    "Service",
    "ServiceImpact",
    "Services",
    "SloImpact",
    "SloStatus",
    "Verdict",
]

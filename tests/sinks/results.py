"""Check results built by hand, so sink tests do not depend on the scoring details."""

from __future__ import annotations

from preflight.models import (
    ChangeKind,
    ChangeSet,
    CheckResult,
    Decision,
    Exposure,
    FileChange,
    FunctionChange,
    FunctionExposure,
    Level,
    LineSpan,
    RevisionRange,
    Risk,
    RuntimeStats,
    Verdict,
)

REVISIONS = RevisionRange("main", "HEAD", "a" * 40, "b" * 40, "a" * 40, "github-event")


def function(
    qualname: str,
    path: str = "app/core.py",
    lines: tuple[int, int] | None = (1, 2),
    kind: ChangeKind = ChangeKind.MODIFIED,
    calls_per_min: float | None = None,
) -> FunctionExposure:
    """A changed function and its traffic."""
    change = FunctionChange(
        path=path,
        old_path=path,
        qualname=qualname,
        old_qualname=qualname,
        kind=kind,
        aspects=(),
        new_lines=LineSpan(*lines) if lines else None,
        old_lines=LineSpan(1, 2),
        added_lines=1,
        removed_lines=1,
    )
    return FunctionExposure(change, RuntimeStats(calls_per_min, service="cart" if calls_per_min else None))


def result(*functions: FunctionExposure, score: int = 42, verdict: Verdict = "pass") -> CheckResult:
    """A check result with these functions, score and decision."""
    paths = sorted({f.change.path for f in functions})
    files = tuple(FileChange(p, p, "modified", "Python", "full", 1, 1) for p in paths)
    level: Level = "low" if score < 25 else "medium" if score < 50 else "high" if score < 75 else "critical"
    return CheckResult(
        changes=ChangeSet(REVISIONS, files, tuple(f.change for f in functions)),
        exposure=Exposure(tuple(functions), None),
        risk=Risk(score, level, (), (), "low"),
        decision=Decision(50 if verdict != "pass" else None, f"score {score}", verdict=verdict),
    )

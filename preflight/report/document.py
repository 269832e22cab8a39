"""JSON documents: the versioned, documented machine output."""

from __future__ import annotations

import json
from typing import Any

from preflight.models import (
    ChangeSet,
    CheckResult,
    FileChange,
    FunctionChange,
    FunctionExposure,
    LineSpan,
    RuntimeInfo,
)

SCHEMA_VERSION = 1


def changes_document(changes: ChangeSet) -> dict[str, Any]:
    """The `preflight changes --format json` document."""
    rev = changes.revisions
    return {
        "schema_version": SCHEMA_VERSION,
        "base": rev.base_sha,
        "head": rev.head_sha,
        "merge_base": rev.merge_base,
        "base_ref": rev.base,
        "head_ref": rev.head,
        "base_source": rev.source,
        "files": [_file(f) for f in changes.files],
        "functions": [_function(f) for f in changes.functions],
        "warnings": list(changes.warnings),
    }


def check_document(result: CheckResult) -> dict[str, Any]:
    """The `preflight check --format json` document: changes plus exposure, risk and decision."""
    doc = changes_document(result.changes)
    doc["functions"] = [{**_function(f.change), **exposure_fields(f)} for f in result.exposure.functions]
    risk = result.risk
    doc["runtime_source"] = result.exposure.source
    doc["runtime"] = runtime_fields(result.exposure.runtime)
    doc["risk"] = {
        "score": risk.score,
        "level": risk.level,
        "confidence": risk.confidence,
        "factors": [{"name": f.name, "points": f.points, "detail": f.detail} for f in risk.factors],
        "unknowns": list(risk.unknowns),
        "lower_it": list(risk.lower_it),
    }
    doc["decision"] = {
        "passed": result.decision.passed,
        "threshold": result.decision.threshold,
        "reason": result.decision.reason,
    }
    return doc


def exposure_fields(item: FunctionExposure) -> dict[str, Any]:
    """What production does with one function; null means unknown."""
    return {
        "calls_per_min": item.calls_per_min,
        "service": item.service,
        "services": list(item.services),
        "share_of_service": item.share_of_service,
        "p50_ms": item.p50_ms,
        "p99_ms": item.p99_ms,
        "error_rate": item.error_rate,
        "endpoints": list(item.endpoints),
        "slos": [
            {
                "name": slo.name,
                "service": slo.service,
                "indicator": slo.indicator,
                "objective": slo.objective,
                "window": slo.window,
                "threshold_ms": slo.threshold_ms,
                "route": slo.route,
                "budget_remaining": slo.budget_remaining,
                "budget_source": slo.budget_source,
            }
            for slo in item.slos
        ],
        "source": item.source,
        "reached_from": [{"entry": r.entry, "label": r.label, "path": list(r.path)} for r in item.routes],
        "inferred": None
        if item.inferred is None
        else {
            "calls_per_min": item.inferred.calls_per_min,
            "confidence": item.inferred.confidence,
            "callers": [{"qualname": q, "calls_per_min": rate} for q, rate in item.inferred.callers],
            "unknown_callers": item.inferred.unknown_callers,
        },
    }


def runtime_fields(info: RuntimeInfo | None) -> dict[str, Any] | None:
    """Where the runtime data came from, its window and freshness."""
    if info is None:
        return None
    return {
        "location": info.location,
        "generated_at": info.generated_at,
        "window_start": info.window_start,
        "window_end": info.window_end,
        "age_hours": info.age_hours,
        "resolution_rate": info.resolution_rate,
    }


def dumps(doc: dict[str, Any]) -> str:
    """Stable, readable JSON."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _span(span: LineSpan | None) -> dict[str, int] | None:
    return None if span is None else {"start": span.start, "end": span.end}


def _file(f: FileChange) -> dict[str, Any]:
    return {
        "path": f.path,
        "old_path": f.old_path,
        "status": f.status,
        "language": f.language,
        "parsed": f.parsed,
        "added_lines": f.added_lines,
        "removed_lines": f.removed_lines,
    }


def _function(f: FunctionChange) -> dict[str, Any]:
    return {
        "path": f.path,
        "old_path": f.old_path,
        "qualname": f.qualname,
        "old_qualname": f.old_qualname,
        "kind": f.kind.value,
        "aspects": [a.value for a in f.aspects],
        "new_lines": _span(f.new_lines),
        "old_lines": _span(f.old_lines),
        "added_lines": f.added_lines,
        "removed_lines": f.removed_lines,
    }

"""JSON documents: the versioned, documented machine output."""

from __future__ import annotations

import json
from typing import Any

from preflight.models import (
    ChangeSet,
    CheckResult,
    Estimate,
    FileChange,
    FunctionChange,
    FunctionExposure,
    Impact,
    Likelihood,
    LineSpan,
    RuntimeInfo,
    ServiceImpact,
    SloImpact,
)

SCHEMA_VERSION = 1
SCHEMA_FILE = "schema/check.schema.json"
"""The JSON Schema of check_document, shipped in the package (preflight/report/schema/)."""


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every `check --format json` document satisfies."""
    from importlib.resources import files

    loaded: dict[str, Any] = json.loads(files("preflight.report").joinpath(SCHEMA_FILE).read_text("utf-8"))
    return loaded


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
    doc["left_out"] = {
        "callers": result.exposure.callers_left_out,
        "entry_points": result.exposure.entry_points_left_out,
    }
    doc["call_graph"] = result.exposure.call_graph
    doc["risk"] = {
        "score": risk.score,
        "level": risk.level,
        "confidence": risk.confidence,
        "factors": [{"name": f.name, "points": f.points, "detail": f.detail} for f in risk.factors],
        "unknowns": list(risk.unknowns),
        "lower_it": list(risk.lower_it),
        "likelihood": likelihood_fields(result.likelihood),
    }
    doc["impact"] = impact_fields(result.impact) if result.impact is not None else None
    doc["decision"] = {
        "passed": result.decision.passed,
        "threshold": result.decision.threshold,
        "reason": result.decision.reason,
        "verdict": result.decision.verdict,
        "mode": result.decision.mode,
        "warn_above": result.decision.warn_above,
        "override": result.decision.override,
        "notes": list(result.decision.notes),
    }
    return doc


def likelihood_fields(likelihood: Likelihood | None) -> dict[str, Any] | None:
    """The history model's defect probability and the features behind it; null without history."""
    if likelihood is None:
        return None
    return {
        "probability": round(likelihood.probability, 4),
        "base_rate": round(likelihood.base_rate, 4),
        "source": likelihood.source,
        "if_split": None if likelihood.if_split is None else round(likelihood.if_split, 4),
        "history_commits": likelihood.history_commits,
        "drivers": [
            {"feature": d.feature, "value": d.value, "log_odds": round(d.log_odds, 4)}
            for d in likelihood.drivers
        ],
        "notes": list(likelihood.notes),
    }


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
        "callers": item.callers,
        "production": item.production,
        "callers_left_out": item.callers_left_out,
        "callers_updated": item.callers_updated,
        "reached_from": [{"entry": r.entry, "label": r.label, "path": list(r.path)} for r in item.routes],
        "inferred": None
        if item.inferred is None
        else {
            "calls_per_min": item.inferred.calls_per_min,
            "confidence": item.inferred.confidence,
            "callers": [{"qualname": q, "calls_per_min": rate} for q, rate in item.inferred.callers],
            "unknown_callers": item.inferred.unknown_callers,
            "service": item.inferred.service,
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


def impact_fields(impact: Impact) -> dict[str, Any]:
    """Stage 5's prediction: every service before/after, every SLO, and what was assumed."""
    return {
        "faults": list(impact.faults),
        "trials": impact.trials,
        "services": [_service_impact(s) for s in impact.services],
        "slos": [_slo_impact(s) for s in impact.slos],
        "assumptions": list(impact.assumptions),
    }


def _estimate(value: Estimate | None, digits: int = 3) -> dict[str, float | None] | None:
    if value is None:
        return None
    return {name: _round(getattr(value, name), digits) for name in ("median", "low", "high")}


def _round(value: float, digits: int) -> float | None:
    return None if value != value or value in (float("inf"), float("-inf")) else round(value, digits)


def _service_impact(s: ServiceImpact) -> dict[str, Any]:
    return {
        "service": s.service,
        "front_door": s.front_door,
        "affected": s.affected,
        "affected_probability": round(s.affected_probability, 4),
        "p50_ms": {"before": s.p50_ms_before, "after": _estimate(s.p50_ms_after)},
        "p90_ms": {"before": s.p90_ms_before, "after": _estimate(s.p90_ms_after)},
        "added_p90_ms": _estimate(s.added_p90_ms),
        "error_rate": {"before": s.error_rate_before, "after": _estimate(s.error_rate_after, 6)},
        "load_factor": _estimate(s.load_factor),
        "path": list(s.path),
    }


def _slo_impact(s: SloImpact) -> dict[str, Any]:
    return {
        "name": s.name,
        "service": s.service,
        "indicator": s.indicator,
        "objective": s.objective,
        "sli": {"before": s.sli_before, "after": _estimate(s.sli_after, 6)},
        "burn_rate": _estimate(s.burn_rate),
        "budget_remaining": s.budget_remaining,
        "hours_to_exhaust": _estimate(s.hours_to_exhaust, 1),
        "breach_probability": None if s.breach_probability is None else round(s.breach_probability, 4),
        "breach_before": s.breach_before,
        "critical_path": list(s.critical_path),
        "notes": list(s.notes),
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
        "unparsed": f.unparsed,
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
        "signature_break": None if f.signature_break is None else list(f.signature_break),
        "scope": f.scope,
        "names": list(f.names),
        "read_by": list(f.read_by),
    }

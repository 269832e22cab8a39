"""JSON documents: the versioned, documented machine output."""

from __future__ import annotations

import json
from typing import Any

from preflight.models import ChangeSet, CheckResult, FileChange, FunctionChange, LineSpan

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
    doc["functions"] = [
        {**_function(f.change), "calls_per_min": f.calls_per_min} for f in result.exposure.functions
    ]
    risk = result.risk
    doc["runtime_source"] = result.exposure.source
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

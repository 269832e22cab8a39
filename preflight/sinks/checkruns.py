"""A check run named `preflight` with annotations on the changed functions.

GitHub takes at most 50 annotations per request: the check run is created with the
first 50 and each further batch is appended with a PATCH of the same output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from preflight.models import CheckResult
from preflight.report.limit import fit
from preflight.sinks import deciding
from preflight.sinks.api import GitHub, answer_id
from preflight.sinks.workflow import Annotation

NAME = "preflight"
BATCH = 50
"""Annotations per request (GitHub's limit)."""
SUMMARY_LIMIT = 65_535
"""output.summary and output.text are limited to 65,535 characters."""
LEVELS = {"notice": "notice", "warning": "warning", "error": "failure"}


def conclusion(results: Sequence[CheckResult]) -> str:
    """failure when the gate failed, neutral on a warning, else success: the worst verdict."""
    worst = deciding(results)
    verdict = worst.decision.verdict if worst is not None else "pass"
    return {"fail": "failure", "warn": "neutral"}.get(verdict, "success")


def title(results: Sequence[CheckResult]) -> str:
    """One line: the deciding score, level and verdict."""
    worst = deciding(results)
    if worst is None:
        return "preflight: nothing to check"
    return f"risk {worst.risk.score}/100 ({worst.risk.level}): {worst.decision.verdict}"


def create(
    api: GitHub,
    repository: str,
    head_sha: str,
    results: Sequence[CheckResult],
    summary: str,
    found: Sequence[Annotation],
) -> int:
    """Create the completed check run on head_sha with every annotation; returns its id."""
    batches = [found[i : i + BATCH] for i in range(0, len(found), BATCH)] or [[]]
    output: dict[str, Any] = {"title": title(results), "summary": fit(summary, SUMMARY_LIMIT)}
    path = f"/repos/{repository}/check-runs"
    run = api.json(
        "POST",
        path,
        {
            "name": NAME,
            "head_sha": head_sha,
            "status": "completed",
            "conclusion": conclusion(results),
            "output": {**output, "annotations": [_annotation(a) for a in batches[0]]},
        },
    )
    run_id = answer_id(run, "POST", api.url(path), "check run")
    for batch in batches[1:]:
        api.json(
            "PATCH",
            f"/repos/{repository}/check-runs/{run_id}",
            {"output": {**output, "annotations": [_annotation(a) for a in batch]}},
        )
    return run_id


def _annotation(item: Annotation) -> dict[str, Any]:
    return {
        "path": item.path,
        "start_line": item.start,
        "end_line": item.end,
        "annotation_level": LEVELS[item.level],
        "title": item.title,
        "message": item.message,
    }

"""GitHub Actions workflow commands and files: annotations, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY.

These need no token, so they work on every pull request, forks included. The formats
follow the runner's documentation and @actions/core (escapeData/escapeProperty, the
`name<<delimiter` form of file commands).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from preflight.errors import InputError
from preflight.models import CheckResult, FunctionExposure
from preflight.report import escaping
from preflight.report.escaping import terminal

PER_LEVEL = 10
"""The runner shows at most 10 annotations of each level per step ..."""
PER_JOB = 50
"""... and 50 per job; the rest are dropped silently, so preflight drops them itself and says so."""


@dataclass(frozen=True, slots=True)
class Annotation:
    """A note on the lines of one changed function."""

    path: str
    start: int
    end: int
    level: str
    """notice, warning or error (workflow-command names; a check run says failure for error)."""
    title: str
    message: str
    traffic: float
    """calls/min (measured or inferred), -1 when unknown: busiest first when there are too many."""


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF encoded so the command stays one line (as the
    actions toolkit does), then every other control and bidi character made visible (a runner's
    log is a terminal: ESC there would drive the reader's)."""
    return escaping.terminal(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """A workflow command's property value: also `:` and `,`, which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: Mapping[str, str | int], message: str) -> str:
    """One workflow command line, `::name k=v,k=v::message`."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotate(results: Sequence[CheckResult]) -> list[Annotation]:
    """One annotation per behaviourally changed function that still exists at the head, busiest first."""
    found: list[Annotation] = []
    for result in results:
        level = _level(result)
        for item in result.exposure.functions:
            lines = item.change.new_lines
            if not item.change.behavioural or lines is None:
                continue
            found.append(
                Annotation(
                    path=item.change.path,
                    start=lines.start,
                    end=lines.end,
                    level=level,
                    title=terminal(f"preflight: {item.change.kind.value} {item.change.qualname}")[:255],
                    message=_message(item, result),
                    traffic=_traffic(item),
                )
            )
    return sorted(found, key=lambda a: (-a.traffic, a.path, a.start))


def annotation_commands(found: Sequence[Annotation]) -> tuple[list[str], int]:
    """Workflow commands within the runner's limits, and how many were left out."""
    lines: list[str] = []
    per_level: dict[str, int] = {}
    for item in found:
        if len(lines) == PER_JOB or per_level.get(item.level, 0) == PER_LEVEL:
            continue
        per_level[item.level] = per_level.get(item.level, 0) + 1
        properties: dict[str, str | int] = {
            "file": item.path,
            "line": item.start,
            "endLine": item.end,
            "title": item.title,
        }
        lines.append(command(item.level, properties, item.message))
    return lines, len(found) - len(lines)


def outputs(results: Sequence[CheckResult], worst: CheckResult | None, report: Path | None) -> dict[str, str]:
    """The step outputs: score, level, decision and passed of the deciding result, and the report path."""
    values = {"report": str(report) if report is not None else ""}
    if worst is not None:
        values.update(
            score=str(worst.risk.score),
            level=worst.risk.level,
            decision=worst.decision.verdict,
            passed="true" if all(r.decision.passed for r in results) else "false",
        )
    return values


def write_outputs(path: Path, values: Mapping[str, str]) -> None:
    """Append to $GITHUB_OUTPUT; values with line breaks use the `name<<delimiter` form."""
    append(path, "".join(output_line(name, value) for name, value in values.items()), "GITHUB_OUTPUT")


def output_line(name: str, value: str) -> str:
    """One $GITHUB_OUTPUT entry; the delimiter is random, so no value can end it early."""
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def append_summary(path: Path, reports: Iterable[str]) -> None:
    """Append the Markdown report to $GITHUB_STEP_SUMMARY (the job's summary page)."""
    text = "".join(report if report.endswith("\n") else report + "\n" for report in reports)
    append(path, text, "GITHUB_STEP_SUMMARY")


def append(path: Path, text: str, variable: str) -> None:
    """Append text to one of the runner's files; a failed write (a full disk) is an InputError
    naming it, with what was there before left as it was (a half-appended entry is cut off)."""
    size: int | None = None
    try:
        with path.open("ab") as handle:
            size = handle.tell() if path.is_file() else None
            handle.write(text.encode("utf-8"))
    except OSError as e:
        if size is not None:
            with contextlib.suppress(OSError):
                os.truncate(path, size)
        raise InputError(
            f"${variable} {terminal(str(path))}: cannot append to it ({e.strerror or e}); free space "
            "on the runner's disk (or unset the variable), then re-run the job; what it held is unchanged"
        ) from None


def _level(result: CheckResult) -> str:
    return {"fail": "error", "warn": "warning"}.get(result.decision.verdict, "notice")


def _traffic(item: FunctionExposure) -> float:
    if item.calls_per_min is not None:
        return item.calls_per_min
    return item.inferred.calls_per_min if item.inferred is not None else -1.0


def _message(item: FunctionExposure, result: CheckResult) -> str:
    """Plain text (annotations do not render Markdown), control characters made visible."""
    change = item.change
    kind = change.kind.value + (f" ({', '.join(a.value for a in change.aspects)})" if change.aspects else "")
    if item.calls_per_min is not None:
        rate = f"{item.calls_per_min:,.0f} calls/min"
    elif item.inferred is not None:
        rate = f"~{item.inferred.calls_per_min:,.0f} calls/min (inferred from callers)"
    else:
        rate = "calls/min unknown (no runtime data)"
    parts = [kind, rate]
    if item.p99_ms is not None:
        parts.append(f"p99 {item.p99_ms:,.1f} ms")
    if item.error_rate is not None:
        parts.append(f"errors {item.error_rate:.2%}")
    if item.service:
        parts.append(f"service {item.service}")
    if item.slos:
        slos = ", ".join(
            slo.name + ("" if slo.budget_remaining is None else f" ({slo.budget_remaining:.0%} budget left)")
            for slo in item.slos[:3]
        )
        parts.append(f"SLOs {slos}")
    parts.append(f"change risk {result.risk.score}/100 ({result.risk.level})")
    return terminal(" · ".join(parts))

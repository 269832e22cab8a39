"""The Markdown report (the PR comment), rendered with jinja2.

A reviewer decides from the headline and the factor table; the tables, the blast-radius
diagram and the collapsed details are for digging deeper. GitHub refuses comments over
65,536 characters, so long changes are summarized: fewer rows and list items first, then
no details, and as a last resort the text is cut at a line with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from preflight.models import CheckResult, Driver, Estimate, FunctionExposure
from preflight.report import escaping, mermaid

MARKER = "<!-- preflight:report -->"
LEVEL_ICON = {"low": "🟢", "medium": "🟡", "high": "🟠", "critical": "🔴"}
GITHUB_LIMIT = 65_536
BUDGET = 60_000
"""Characters the comment may use: room is left for what a sink appends."""
SUMMARIES = ((50, 30, True), (20, 10, True), (10, 5, False))
"""(function rows, items per list, details shown), tried in order until the comment fits."""


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("preflight.report", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # Markdown, not HTML: every untrusted value goes through the `md` filter
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = escaping.markdown
    env.filters["rate"] = _rate
    env.filters["entries"] = _entries
    env.filters["pct"] = lambda value: "unknown" if value is None else f"{value:.1%}"
    env.filters["ms"] = lambda value: "unknown" if value is None else f"{value:,.1f} ms"
    env.filters["burn"] = _burn
    env.filters["hours"] = _hours
    env.filters["driver"] = _driver
    return env


def _rate(item: FunctionExposure) -> str:
    if item.calls_per_min is not None:
        return f"{item.calls_per_min:,.0f}"
    if item.inferred is not None:
        return f"~{item.inferred.calls_per_min:,.0f} (inferred)"
    return "unknown"


def _entries(item: FunctionExposure) -> str:
    names = list(item.endpoints) or [route.label for route in item.routes]
    shown = ", ".join(escaping.markdown(name, 60) for name in names[:3])
    return shown + (f" +{len(names) - 3}" if len(names) > 3 else "")


def _burn(value: Estimate | None) -> str:
    return "unknown" if value is None else f"{value.median:.1f}x ({value.low:.1f}-{value.high:.1f})"


def _hours(value: Estimate | None) -> str:
    if value is None or value.median != value.median or value.median == float("inf"):
        return "not exhausted" if value is not None else "unknown"
    return f"{value.median / 24:,.1f} days" if value.median >= 48 else f"{value.median:,.1f} h"


def _driver(driver: Driver) -> str:
    from preflight.risk.likelihood import describe

    return escaping.markdown(describe(driver))


def _busiest(item: FunctionExposure) -> tuple[float, str]:
    rate = (
        item.calls_per_min
        if item.calls_per_min is not None
        else item.inferred.calls_per_min
        if item.inferred
        else -1.0
    )
    return -rate, item.change.qualname


def render_check(result: CheckResult) -> str:
    """The PR comment for a check result, summarized until it fits GitHub's limit."""
    template = _environment().get_template("check.md.j2")
    text = ""
    for rows, items, details in SUMMARIES:
        text = template.render(**_context(result, rows, items, details))
        if len(text) <= BUDGET:
            return text
    return _cut(text)


def _context(result: CheckResult, rows: int, items: int, details: bool) -> dict[str, Any]:
    risk, decision = result.risk, result.decision
    behavioural = sorted((f for f in result.exposure.functions if f.change.behavioural), key=_busiest)
    other = [f for f in result.exposure.functions if not f.change.behavioural]
    impact = result.impact
    slos = [s for s in impact.slos if s.burn_rate is not None] if impact is not None else []
    positive = [f for f in risk.factors if f.points > 0]
    verdict = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}[decision.verdict]
    if decision.override is not None:
        verdict += " (overridden)"
    elif decision.mode == "advisory" and decision.verdict != "pass":
        verdict += " (advisory)"
    return {
        "marker": MARKER,
        "result": result,
        "risk": risk,
        "decision": decision,
        "verdict": verdict,
        "icon": LEVEL_ICON[risk.level],
        "why": max(positive, key=lambda f: f.points, default=None),
        "revisions": result.changes.revisions,
        "rows": behavioural[:rows],
        "behavioural_count": len(behavioural),
        "diagram": mermaid.blast_radius(result),
        "slos": slos[:items],
        "unknowns": _capped(risk.unknowns, items),
        "details": details,
        "likelihood": result.likelihood,
        "reached": [f for f in behavioural if f.routes][:items],
        "assumptions": _capped(impact.assumptions if impact is not None else (), items),
        "other": other[:items],
        "warnings": _capped(result.changes.warnings, items),
        "cut": _cut_note(len(other), items),
    }


def _capped(values: Sequence[str], limit: int) -> list[str]:
    if len(values) <= limit:
        return list(values)
    return [*values[:limit], f"... and {len(values) - limit:,} more (see the JSON report)"]


def _cut_note(count: int, limit: int) -> str:
    return (
        f"... and {count - limit:,} more non-behavioural changes (see the JSON report)"
        if count > limit
        else ""
    )


def _cut(text: str) -> str:
    """The last resort: keep whole lines up to the budget, close any open block, say so."""
    kept = text[:BUDGET].rsplit("\n", 1)[0]
    closing = "\n```" if kept.count("```") % 2 else ""
    closing += "\n</details>" if kept.count("<details>") > kept.count("</details>") else ""
    return f"{kept}{closing}\n\n_Cut to fit GitHub's comment limit; the JSON report has everything._\n"

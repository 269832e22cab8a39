"""The Markdown report (the PR comment), rendered with jinja2.

A reviewer decides from the headline, read in 10 seconds: the verdict, score, level and
confidence, the one or two reasons about the change itself that drove the score, the gate's
reason and, in one line, what is unknown. Then at most ROWS of the riskiest functions, in a
table with only the columns that have data, the SLOs at risk and computed advice. Everything
else (the blast-radius diagram, how the score adds up, the other functions, details) is
collapsed. The comment is kept under BUDGET characters: fewer list items first, then no
details, and as a last resort limit.fit cuts it at a line under GitHub's limit, with a note.
The JSON has everything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from preflight.models import (
    ChangeKind,
    CheckResult,
    Estimate,
    Factor,
    FunctionExposure,
    Impact,
    Likelihood,
    Risk,
    SloImpact,
)
from preflight.report import escaping, mermaid
from preflight.report.limit import fit
from preflight.report.text import breach_chance, non_production, scope_detail
from preflight.report.verdict import label
from preflight.risk.impact import traffic

MARKER = "<!-- preflight:report -->"
LEVEL_ICON = {"low": "🟢", "medium": "🟡", "high": "🟠", "critical": "🔴"}
BUDGET = 15_000
"""Characters the comment aims for (its summarizing target): a reviewer's page, well under
GitHub's limit, which limit.fit enforces."""
ROWS = 10
"""The riskiest functions shown in the table; the rest are listed collapsed."""
REASONS = 2
"""Factors named in the headline."""
SUMMARIES = ((ROWS, 30, True), (ROWS, 10, True), (5, 5, False))
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
    env.filters["pct"] = _pct
    env.filters["burn"] = _burn
    env.filters["hours"] = _hours
    env.filters["breach"] = _breach
    env.filters["drivers"] = _drivers
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


def _breach(slo: SloImpact) -> str:
    return breach_chance(slo, digits=1)


def _drivers(likelihood: Likelihood) -> str:
    from preflight.risk.likelihood import drivers

    return drivers(likelihood)


def _riskiest(item: FunctionExposure) -> tuple[bool, float, int, int, str]:
    """Production code first, busiest first (measured, or inferred at its discount), then callers a
    break leaves, then size."""
    known = traffic(item)
    rate = known[0] * known[1] if known is not None else -1.0
    change = item.change
    at_risk = (item.callers or 0) if change.signature_break or change.kind is ChangeKind.REMOVED else 0
    return not item.production, -rate, -at_risk, -(change.added_lines + change.removed_lines), change.qualname


def render_check(result: CheckResult) -> str:
    """The PR comment for a check result, summarized until it fits BUDGET, cut to GitHub's limit."""
    template = _environment().get_template("check.md.j2")
    text = ""
    for rows, items, details in SUMMARIES:
        text = template.render(**_context(result, rows, items, details))
        if len(text) <= BUDGET:
            return text
    return fit(text)


def _context(result: CheckResult, rows: int, items: int, details: bool) -> dict[str, Any]:
    risk, decision = result.risk, result.decision
    functions = result.exposure.functions
    test_only = any(f.change.behavioural for f in functions) and not any(
        f.production for f in functions if f.change.behavioural
    )
    # Non-production changes (tests, docs, ...) are counted, not listed: the JSON has them.
    listed = [f for f in functions if f.production or test_only]
    behavioural = sorted((f for f in listed if f.change.behavioural), key=_riskiest)
    other = [f for f in listed if not f.change.behavioural]
    impact = result.impact
    slos = [s for s in impact.slos if s.burn_rate is not None and s.burns] if impact is not None else []
    shown = behavioural[:rows]
    rest = behavioural[rows:]
    return {
        "marker": MARKER,
        "result": result,
        "risk": risk,
        "decision": decision,
        "verdict": label(decision.verdict),
        "icon": LEVEL_ICON[risk.level],
        "why": reasons(risk),
        "headline_unknown": risk.unknowns[0] if risk.unknowns else "",
        "test_only": test_only,
        "unlisted": len(functions) - len(listed),
        "revisions": result.changes.revisions,
        "rows": shown,
        "table": table(shown),
        "behavioural_count": len(behavioural),
        "rest": rest[: items * 3],
        "rest_cut": max(0, len(rest) - items * 3),
        "diagram": mermaid.blast_radius(result),
        "blast_summary": blast_summary(impact) if impact is not None else "",
        "slos": slos[:items],
        "unknowns": _capped(risk.unknowns[1:], items),
        "details": details,
        "likelihood": result.likelihood,
        "reached": [f for f in behavioural if f.routes][:items],
        "assumptions": _capped(impact.assumptions if impact is not None else (), items),
        "other": other[:items],
        "warnings": _capped(result.changes.warnings, items),
        "cut": _cut_note(len(other), items),
        "non_production": _sentence(non_production(result.exposure)),  # our words: no `md` needed
    }


def reasons(risk: Risk) -> list[Factor]:
    """The one or two factors that drove the score, about the change itself: unknown traffic and
    unparsed code are penalties for what preflight does not know, said in the Unknown line instead."""
    about = [f for f in risk.factors if f.points > 0 and f.name not in ("unknown traffic", "unparsed code")]
    return sorted(about, key=lambda f: -f.points)[:REASONS]


def blast_summary(impact: Impact) -> str:
    """One line for the collapsed diagram: how many services, and the front door most affected."""
    affected = [s for s in impact.services if s.affected]
    doors = sorted((s for s in impact.services if s.front_door), key=lambda s: -s.affected_probability)
    door = f"; front door {doors[0].service} affected in {doors[0].affected_probability:.0%} of simulations"
    return f"{len(affected)} of {len(impact.services)} services affected" + (door if doors else "")


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the functions table: shown only when some row has data for it."""

    title: str
    align: str
    cell: Callable[[FunctionExposure], str]
    has_data: Callable[[FunctionExposure], bool]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _function(item: FunctionExposure) -> str:
    return escaping.markdown(item.change.qualname) + ("" if item.production else " (not production)")


def _kind(item: FunctionExposure) -> str:
    change = item.change
    aspects = f" ({', '.join(a.value for a in change.aspects)})" if change.aspects else ""
    breaks = change.signature_break or ()
    # a break matters to callers outside the repository too, whom no call graph sees: say it here
    said = "; ".join(escaping.markdown(b, 80) for b in breaks[:2]) + (
        f"; +{len(breaks) - 2} more" if len(breaks) > 2 else ""
    )
    if change.scope != "function" or change.names:  # module-level code and the functions reading it
        aspects += f" ({escaping.markdown(scope_detail(change), 160)})"
    return change.kind.value + aspects + (f": breaks callers: {said}" if breaks else "")


def _callers(item: FunctionExposure) -> str:
    return "" if item.callers is None else f"{item.callers:,}"


def _slos(item: FunctionExposure) -> str:
    shown = [f"{escaping.markdown(s.name)} ({_pct(s.budget_remaining)} left)" for s in item.slos[:3]]
    return ", ".join(shown) + (f" +{len(item.slos) - 3}" if len(item.slos) > 3 else "")


def _pct(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1%}"


COLUMNS = (
    Column("function", "---", _function, lambda f: True),
    Column("change", "---", _kind, lambda f: True),
    Column("calls/min", "---:", _rate, lambda f: traffic(f) is not None),
    Column("p99", "---:", lambda f: mermaid.duration(f.p99_ms), lambda f: f.p99_ms is not None),
    Column("errors", "---:", lambda f: _pct(f.error_rate), lambda f: f.error_rate is not None),
    Column("service", "---", lambda f: escaping.markdown(f.service or "unknown"), lambda f: bool(f.service)),
    Column("callers", "---:", _callers, lambda f: bool(f.callers)),
    Column("entry points", "---", _entries, lambda f: bool(f.endpoints or f.routes)),
    Column("SLOs (budget left)", "---", _slos, lambda f: bool(f.slos)),
)


def table(rows: Sequence[FunctionExposure]) -> list[str]:
    """The functions table's lines, with only the columns that have data in some row."""
    if not rows:
        return []
    columns = [c for c in COLUMNS if any(c.has_data(f) for f in rows)]
    lines = [
        "| " + " | ".join(c.title for c in columns) + " |",
        "|" + "|".join(c.align for c in columns) + "|",
    ]
    lines += ["| " + " | ".join(c.cell(f) for c in columns) + " |" for f in rows]
    return lines


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

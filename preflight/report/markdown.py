"""The Markdown report (the PR comment), rendered with jinja2."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from preflight.models import CheckResult, FunctionExposure
from preflight.report import escaping

MARKER = "<!-- preflight:report -->"
LEVEL_ICON = {"low": "🟢", "medium": "🟡", "high": "🟠", "critical": "🔴"}


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
    env.filters["pct"] = lambda value: "unknown" if value is None else f"{value:.1%}"
    env.filters["ms"] = lambda value: "unknown" if value is None else f"{value:,.1f} ms"
    return env


def _rate(item: FunctionExposure) -> str:
    if item.calls_per_min is not None:
        return f"{item.calls_per_min:,.0f}"
    if item.inferred is not None:
        return f"~{item.inferred.calls_per_min:,.0f} (inferred)"
    return "unknown"


def render_check(result: CheckResult) -> str:
    """The PR comment for a check result."""
    template = _environment().get_template("check.md.j2")
    return template.render(
        marker=MARKER,
        result=result,
        risk=result.risk,
        decision=result.decision,
        icon=LEVEL_ICON[result.risk.level],
        revisions=result.changes.revisions,
        behavioural=[f for f in result.exposure.functions if f.change.behavioural],
        other=[f for f in result.exposure.functions if not f.change.behavioural],
    )

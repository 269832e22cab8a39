"""The digest as Markdown, as a self-contained HTML page, and as a JSON document.

The HTML page loads nothing: its CSS and SVG plots are inline, it has no script, and its
Content-Security-Policy forbids scripts and every fetch, so it can be mailed, attached to a
release or opened offline. Every untrusted value (titles, paths, function and service names)
is escaped by jinja2's autoescape in HTML and by the `md` filter in Markdown, and every printed
value has its control and bidi characters made visible (escaping.terminal) in both.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from preflight.digest import plots, summary
from preflight.digest.contents import Digest, ScoredChange
from preflight.models import Factor
from preflight.report import document as check_document
from preflight.report import escaping

SCHEMA_VERSION = 1
ICON = {"low": "🟢", "medium": "🟡", "high": "🟠", "critical": "🔴"}


def _environment(html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("preflight.digest", "templates"),
        undefined=StrictUndefined,
        autoescape=html,  # Markdown is not HTML: there every untrusted value goes through `md`
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_inert,
    )
    env.filters["md"] = escaping.markdown
    env.filters["rate"] = lambda value: "unknown" if value is None else f"{value:,.0f}"
    env.filters["short_rate"] = plots.rate
    env.filters["pct"] = lambda value: "unknown" if value is None else f"{value:.0%}"
    env.filters["burn"] = lambda value: "unknown" if value is None else f"{value:.1f}x"
    env.filters["factor"] = _factor
    env.globals["icon"] = ICON
    return env


def _inert(value: Any) -> Any:
    """Every printed value with its control, bidi and line-breaking characters made visible.

    HTML escaping leaves ESC, BEL and U+202E alone (they are text to HTML, but they reorder or
    hide what a reader sees); a value stays on its line. Markup (a macro's own rendered SVG or
    table, whose values were finalized already) keeps its line breaks.
    """
    if isinstance(value, Markup):
        return Markup(escaping.lines(value))
    return escaping.terminal(value) if isinstance(value, str) else value


def _factor(factor: Factor | None) -> str:
    return "none" if factor is None else f"{factor.name} ({factor.points:+.1f}): {factor.detail}"


def _context(digest: Digest) -> dict[str, Any]:
    rows = [_row(change) for change in plots.by_risk(digest.changes)]
    return {
        "digest": digest,
        "totals": digest.totals,
        "levels": dict(digest.totals.by_level),
        "verdicts": dict(digest.totals.by_verdict),
        "rows": rows[: plots.TOP_CHANGES],
        "more": rows[plots.TOP_CHANGES :],
        "skipped": digest.skipped,
        "base": digest.base[:12],
        "head": digest.head[:12],
    }


def _row(change: ScoredChange) -> dict[str, Any]:
    result = change.result
    behavioural = (f for f in result.exposure.functions if f.change.behavioural)
    services = sorted({name for f in behavioural if (name := summary.service(f))})
    return {
        "merged": change.merged,
        "risk": result.risk,
        "verdict": summary.verdict(change),
        "top": summary.top_factor(result.risk.factors),
        "functions": sum(f.change.behavioural for f in result.exposure.functions),
        "services": services,
    }


def markdown(digest: Digest) -> str:
    """The digest as GitHub Markdown (a release description, an issue, a wiki page)."""
    return _environment(html=False).get_template("digest.md.j2").render(**_context(digest))


def html(digest: Digest) -> str:
    """The digest as one self-contained HTML page with inline SVG plots."""
    ranked = plots.by_risk(digest.changes)
    rest = ranked[plots.TOP_CHANGES :]
    return (
        _environment(html=True)
        .get_template("digest.html.j2")
        .render(
            **_context(digest),
            risk_chart=plots.risk_bars(ranked[: plots.TOP_CHANGES]),
            rest_chart=plots.risk_bars(rest) if rest else None,
            traffic_chart=plots.traffic_bars(digest.services),
            graph=plots.service_graph(digest),
            fill=plots.FILL,
        )
    )


def document(digest: Digest) -> dict[str, Any]:
    """The `report --format json` document (schema_version 1); each change carries its full
    `check --format json` document under `check`."""
    totals = digest.totals
    return {
        "schema_version": SCHEMA_VERSION,
        "range": digest.range,
        "base": digest.base,
        "head": digest.head,
        "runtime_source": digest.runtime,
        "totals": {
            "changes": totals.changes,
            "by_level": dict(totals.by_level),
            "by_verdict": dict(totals.by_verdict),
            "functions": totals.functions,
            "functions_unknown": totals.unknown,
            "calls_per_min": totals.calls_per_min,
            "branch_merges_not_scored": totals.skipped,
        },
        "changes": [_change(change) for change in digest.changes],
        "branch_merges": [
            {"sha": m.sha, "parent": m.parent, "title": m.title, "reason": m.reason} for m in digest.skipped
        ],
        "hot_functions": [
            {
                "qualname": h.qualname,
                "service": h.service,
                "calls_per_min": h.calls_per_min,
                "inferred": h.inferred,
                "changes": list(h.changes),
            }
            for h in digest.hot
        ],
        "slos_at_risk": [
            {
                "name": s.name,
                "service": s.service,
                "indicator": s.indicator,
                "budget_remaining": s.budget_remaining,
                "breach_probability": s.breach_probability,
                "breach_before": s.breach_before,
                "burn_rate": s.burn_rate,
                "changes": list(s.changes),
            }
            for s in digest.slos
        ],
        "services": [
            {
                "service": s.service or None,
                "calls_per_min": s.calls_per_min,
                "functions": s.functions,
                "functions_unknown": s.unknown,
                "level": s.level,
                "changes": list(s.changes),
                "affected_by": list(s.affected_by),
            }
            for s in digest.services
        ],
        "service_graph": [{"caller": a, "callee": b, "calls_per_min": rate} for a, b, rate in digest.edges],
    }


def _change(change: ScoredChange) -> dict[str, Any]:
    merged, result = change.merged, change.result
    top = summary.top_factor(result.risk.factors)
    return {
        "sha": merged.sha,
        "parent": merged.parent,
        "kind": merged.kind,
        "number": merged.number,
        "title": merged.title,
        "score": result.risk.score,
        "level": result.risk.level,
        "confidence": result.risk.confidence,
        "verdict": summary.verdict(change),
        "top_factor": None if top is None else {"name": top.name, "points": top.points, "detail": top.detail},
        "check": check_document.check_document(result),
    }


def dumps(digest: Digest) -> str:
    """The JSON document as text."""
    return check_document.dumps(document(digest))

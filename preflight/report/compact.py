"""A few lines per checked range, for the pre-push hook: the verdict first, the details on request."""

from __future__ import annotations

from preflight.models import CheckResult, FunctionExposure
from preflight.report.escaping import terminal as _t
from preflight.report.verdict import label

SHOWN = 3
"""Functions and factors named before `... and N more`."""


def check_compact(result: CheckResult, color: bool = False) -> str:
    """Verdict, score and reason on one line; functions, top factors, SLOs at risk and how to see more."""
    risk, decision, rev = result.risk, result.decision, result.changes.revisions
    verdict = label(decision.verdict, color)
    lines = [
        f"preflight {verdict} {_t(rev.head)}: risk {risk.score}/100 ({risk.level}, confidence "
        f"{risk.confidence}); {_t(decision.reason)}"
    ]
    functions = result.exposure.functions
    files = len(result.changes.files)
    names = ", ".join(_function(f) for f in functions[:SHOWN]) + _more(len(functions))
    changed = f"{_count(len(functions), 'function')} changed in {_count(files, 'file')}"
    lines.append(f"  {changed}: {names}" if names else f"  {changed}")
    factors = sorted(risk.factors, key=lambda f: -f.points)[:SHOWN]
    if factors:
        lines.append("  top factors: " + ", ".join(f"{_t(f.name)} +{f.points:.1f}" for f in factors))
    if result.impact is not None:
        # as in the score: an SLO whose budget runs out without the change is not at risk from it
        at_risk = [s for s in result.impact.slos if (s.breach_added or 0) > 0]
        if at_risk:
            slos = ", ".join(f"{_t(s.name)} P(breach) {s.breach_probability:.0%}" for s in at_risk[:SHOWN])
            lines.append(f"  SLOs at risk: {slos}{_more(len(at_risk))}")
    if not decision.passed:
        lines += [f"  gate: {_t(note)}" for note in decision.notes]
        lines += [f"  to lower the risk: {_t(advice)}" for advice in risk.lower_it[:1]]
    if rev.merge_base:  # an empty-tree range (a first push) has no base commit to name
        lines.append(
            f"  details: preflight check --base {rev.merge_base[:12]} --head {rev.head_sha[:12]} --format text"
        )
    return "\n".join(lines) + "\n"


def _function(item: FunctionExposure) -> str:
    rate = "" if item.calls_per_min is None else f" {item.calls_per_min:,.0f}/min"
    return f"{_t(item.change.qualname)} ({item.change.kind.value}{rate})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _more(count: int) -> str:
    return f" and {count - SHOWN} more" if count > SHOWN else ""

"""Terminal text: short, aligned, readable without colour."""

from __future__ import annotations

from preflight.models import ChangeSet, CheckResult, FunctionChange
from preflight.report.escaping import terminal as _t

_MARK = {"added": "+", "removed": "-", "modified": "~", "renamed": ">", "cosmetic": "."}


def changes_text(changes: ChangeSet) -> str:
    """The `preflight changes` listing."""
    rev = changes.revisions
    lines = [
        f"{_short(rev.merge_base)}..{_short(rev.head_sha)}  (base {_t(rev.base)} via {rev.source}, head {_t(rev.head)})"
    ]
    lines.append(f"{len(changes.files)} files changed")
    for f in changes.files:
        moved = f" (from {_t(f.old_path)})" if f.old_path and f.old_path != f.path else ""
        parsed = "" if f.parsed in ("full", "no") else f" [{f.parsed}ly parsed]"
        lines.append(
            f"  {f.status:<9} {f.language:<12} {_t(f.path)}{moved}{parsed}  +{f.added_lines} -{f.removed_lines}"
        )
    lines.append(f"{len(changes.functions)} functions changed")
    for fn in changes.functions:
        lines.append("  " + function_line(fn))
    for warning in changes.warnings:
        lines.append(f"warning: {_t(warning)}")
    return "\n".join(lines) + "\n"


def function_line(fn: FunctionChange) -> str:
    """One function: mark, kind, name, aspects, lines."""
    detail = f" [{', '.join(a.value for a in fn.aspects)}]" if fn.aspects else ""
    was = f" (was {_t(fn.old_qualname)})" if fn.old_qualname and fn.old_qualname != fn.qualname else ""
    span = fn.new_lines or fn.old_lines
    where = f"{_t(fn.path)}:{span.start}" if span else _t(fn.path)
    return f"{_MARK[fn.kind.value]} {fn.kind.value:<8} {_t(fn.qualname)}{was}{detail}  {where}  +{fn.added_lines} -{fn.removed_lines}"


def check_text(result: CheckResult, color: bool = False) -> str:
    """The `preflight check --format text` summary."""
    risk, decision = result.risk, result.decision
    verdict = "PASS" if decision.passed else "FAIL"
    if color:
        verdict = f"\033[{32 if decision.passed else 31}m{verdict}\033[0m"
    lines = [
        f"{verdict}  risk {risk.score}/100 ({risk.level}, confidence {risk.confidence})  {decision.reason}"
    ]
    for factor in risk.factors:
        lines.append(f"  {factor.points:>5.1f}  {factor.name}: {_t(factor.detail)}")
    lines.append("changed functions:")
    for item in result.exposure.functions:
        rate = "unknown" if item.calls_per_min is None else f"{item.calls_per_min:,.0f}/min"
        where = f" in {_t(item.service)}" if item.service else ""
        if item.calls_per_min is None and item.inferred is not None:
            rate = f"~{item.inferred.calls_per_min:,.0f}/min inferred"
        lines.append(f"  {function_line(item.change)}  calls {rate}{where}")
        for route in item.routes[:3]:
            lines.append(
                f"      reached from {_t(route.label)}: {' -> '.join(_t(step) for step in route.path)}"
            )
    for unknown in risk.unknowns:
        lines.append(f"unknown: {_t(unknown)}")
    for advice in risk.lower_it:
        lines.append(f"to lower the risk: {_t(advice)}")
    for warning in result.changes.warnings:
        lines.append(f"warning: {_t(warning)}")
    return "\n".join(lines) + "\n"


def _short(sha: str | None) -> str:
    return sha[:10] if sha else "(empty tree)"

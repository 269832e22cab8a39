"""Terminal text: short, aligned, readable without colour."""

from __future__ import annotations

import math

from preflight.models import (
    EXHAUSTED_BEFORE,
    ChangeSet,
    CheckResult,
    Estimate,
    Exposure,
    FunctionChange,
    Impact,
    SloImpact,
)
from preflight.report.escaping import terminal as _t
from preflight.report.verdict import label

_MARK = {"added": "+", "removed": "-", "modified": "~", "renamed": ">", "cosmetic": ".", "reads-changed": "*"}

"""Said after an SLO's P(breach) when the burn rate before the change already exhausts it."""


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
    if fn.scope != "function" or fn.names:
        detail += f" [{_t(scope_detail(fn))}]"
    was = f" (was {_t(fn.old_qualname)})" if fn.old_qualname and fn.old_qualname != fn.qualname else ""
    span = fn.new_lines or fn.old_lines
    where = f"{_t(fn.path)}:{span.start}" if span else _t(fn.path)
    return f"{_MARK[fn.kind.value]} {fn.kind.value:<8} {_t(fn.qualname)}{was}{detail}  {where}  +{fn.added_lines} -{fn.removed_lines}"


def scope_detail(fn: FunctionChange) -> str:
    """`module-level: EUR_RATES; read by convert` or `reads EUR_RATES`: what a module- or
    class-level change binds and who reads it, or which changed names a function reads."""
    if fn.scope == "function":
        return "reads " + ", ".join(fn.names)
    names = ", ".join(fn.names[:5]) + (f" +{len(fn.names) - 5}" if len(fn.names) > 5 else "")
    readers = [r.rsplit(".", 1)[-1] for r in fn.read_by]
    read = f"; read by {', '.join(readers[:3])}" + (f" +{len(readers) - 3}" if len(readers) > 3 else "")
    return f"{fn.scope}-level" + (f": {names}" if names else "") + (read if readers else "; no reader found")


def check_text(result: CheckResult, color: bool = False) -> str:
    """The `preflight check --format text` summary."""
    risk, decision = result.risk, result.decision
    verdict = label(decision.verdict, color)
    lines = [
        f"{verdict}  risk {risk.score}/100 ({risk.level}, confidence {risk.confidence})  {_t(decision.reason)}"
    ]
    lines += [f"  gate: {_t(note)}" for note in decision.notes]
    for factor in risk.factors:
        lines.append(f"  {factor.points:>5.1f}  {factor.name}: {_t(factor.detail)}")
    lines.append("changed functions:")
    for item in result.exposure.functions:
        rate = "unknown" if item.calls_per_min is None else f"{item.calls_per_min:,.0f}/min"
        where = f" in {_t(item.service)}" if item.service else ""
        if item.calls_per_min is None and item.inferred is not None:
            rate = f"~{item.inferred.calls_per_min:,.0f}/min inferred"
        lines.append(
            f"  {function_line(item.change)}  calls {rate}{where}"
            + ("" if item.production else "  (not production: not scored)")
        )
        for route in item.routes[:3]:
            lines.append(
                f"      reached from {_t(route.label)}: {' -> '.join(_t(step) for step in route.path)}"
            )
    if summary := non_production(result.exposure):
        lines.append(summary)
    if result.impact is not None:
        lines.extend(impact_lines(result.impact, limit=5))
    for unknown in risk.unknowns:
        lines.append(f"unknown: {_t(unknown)}")
    for advice in risk.lower_it:
        lines.append(f"to lower the risk: {_t(advice)}")
    for warning in result.changes.warnings:
        lines.append(f"warning: {_t(warning)}")
    return "\n".join(lines) + "\n"


NON_PRODUCTION = "tests, docs, examples, benchmarks, scripts"
"""How reports name non-production code (config.NON_PRODUCTION and paths.non_production)."""


def non_production(exposure: Exposure) -> str:
    """One line on what was left out as non-production code ("" when nothing was): a change to
    such code alone is a test-only change; callers and entry points there were not counted."""
    said = []
    behavioural = [f for f in exposure.functions if f.change.behavioural]
    if behavioural and not any(f.production for f in behavioural):
        said.append(
            f"test-only change: every changed function is in non-production code ({NON_PRODUCTION}), "
            "none is scored for traffic or callers"
        )
    callers, entries = exposure.callers_left_out, exposure.entry_points_left_out
    counts = [
        *([f"{callers:,} caller{'s' * (callers != 1)} of the changed functions"] if callers else []),
        *([f"{entries:,} entry point{'s' * (entries != 1)}"] if entries else []),
    ]
    if counts:
        said.append(f"left out as non-production ({NON_PRODUCTION}): {' and '.join(counts)}")
    return "; ".join(said)


def impact_text(impact: Impact) -> str:
    """The `preflight simulate` report."""
    return "\n".join(impact_lines(impact)) + "\n"


def impact_lines(impact: Impact, limit: int | None = None) -> list[str]:
    """Affected services (front doors first) and SLOs, medians with 90% intervals."""
    affected = [s for s in impact.services if s.affected]
    lines = [
        f"impact of {', '.join(_t(f) for f in impact.faults)} ({impact.trials:,} trials): "
        f"{len(affected)} of {len(impact.services)} services affected"
    ]
    # front doors always: their numbers are what users see, affected or not
    shown = sorted(
        (s for s in impact.services if s.affected or s.front_door),
        key=lambda s: (not s.front_door, -s.affected_probability, s.service),
    )
    for s in shown[:limit] if limit else shown:
        door = " (front door)" if s.front_door else ""
        before = "unknown" if s.p90_ms_before is None else f"{s.p90_ms_before:,.1f} ms"
        after = f" -> {_range(s.p90_ms_after, ' ms')}" if s.p90_ms_after is not None else ""
        lines.append(
            f"  {_t(s.service)}{door}: p90 {before}{after} (added {_range(s.added_p90_ms, ' ms')}), errors "
            f"{s.error_rate_before:.2%} -> {_range(s.error_rate_after, '', percent=True)}, "
            f"P(affected) {s.affected_probability:.0%}"
        )
    if limit and len(shown) > limit:
        lines.append(f"  ... and {len(shown) - limit} more")
    for slo in impact.slos:
        if slo.burn_rate is None:
            lines.append(
                f"  SLO {_t(slo.name)} ({_t(slo.service)}): not predicted: {_t('; '.join(slo.notes))}"
            )
            continue
        hours = slo.hours_to_exhaust
        # a budget the fault does not burn is never gone: nothing to say (not "inf h")
        exhaust = (
            "" if hours is None or math.isinf(hours.median) else f", budget gone in {_range(hours, ' h')}"
        )
        breach = "" if slo.breach_probability is None else f", P(breach) {breach_chance(slo)}"
        path = f" via {' -> '.join(_t(p) for p in slo.critical_path)}" if len(slo.critical_path) > 1 else ""
        lines.append(
            f"  SLO {_t(slo.name)} ({_t(slo.service)}, {slo.indicator} {slo.objective:.4g}): burn "
            f"{_range(slo.burn_rate, 'x')}{exhaust}{breach}{path}"
        )
    for note in impact.assumptions:
        lines.append(f"  assumed: {_t(note)}")
    return lines


def breach_chance(slo: SloImpact, digits: int = 0) -> str:
    """An SLO's P(breach) in percent, saying so when its budget runs out without the change too."""
    if slo.breach_probability is None:
        return "unknown"
    shown = f"{slo.breach_probability:.{digits}%}"
    return f"{shown} ({EXHAUSTED_BEFORE})" if slo.breach_before else shown


def _range(value: Estimate | None, unit: str, percent: bool = False) -> str:
    if value is None:
        return "unknown"

    def show(x: float) -> str:
        if math.isinf(x):
            return "never"
        return f"{x:.2%}" if percent else f"{x:,.1f}{unit}"

    if abs(value.high - value.low) < 1e-9:
        return show(value.median)
    return f"{show(value.median)} [{show(value.low)}-{show(value.high)}]"


def _short(sha: str | None) -> str:
    return sha[:10] if sha else "(empty tree)"

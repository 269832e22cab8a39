"""The gate: a risk score becomes pass, warn or fail under the base revision's policy.

The policy (`gate:` in `.preflight.yml`) is always read from the base revision, so a
change cannot loosen its own gate. Thresholds start from `warn_above`/`fail_above`. Each
changed path and service takes the first rule that matches it; when every one of them has
a rule, the strictest of those rules applies (so a docs-only change can have a looser
gate), otherwise the defaults apply and matching rules can only make them stricter. An
SLO the change may burn (breach probability above zero, or a median burn rate above 1)
with little error budget left lowers both thresholds (BUDGET_TIGHTENING). A changed
production Python file that could not be parsed fully fails a blocking gate unless
`gate.unparsed: open` (its changes are unknown, not absent). A failing,
blocking gate can be overridden by a pull-request label or a commit trailer; the
override is recorded in the report, never silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from preflight.models import Decision, FailMode, Gate, GateMode, GateRule, Impact, Risk, Verdict

BUDGET_TIGHTENING = ((0.10, 25), (0.25, 15))
"""(budget left below, points off both thresholds), strictest first."""


@dataclass(frozen=True, slots=True)
class GateContext:
    """What the gate needs to know about the change beyond its score."""

    paths: tuple[str, ...] = ()
    """Changed files (repository paths)."""
    services: tuple[str, ...] = ()
    """Services of the behaviourally changed functions."""
    impact: Impact | None = None
    runtime_missing: bool = False
    """Behaviour changed and no changed function has runtime data (measured or inferred)."""
    unparsed: tuple[str, ...] = ()
    """Changed production Python files that could not be parsed fully: their changes are unknown."""
    override: str | None = None
    """The label or trailer that asks to pass a failing gate, described; None without one."""


def decide(
    risk: Risk, policy: Gate, fail_above: int | None = None, context: GateContext | None = None
) -> Decision:
    """Pass, warn or fail, with the thresholds used and why."""
    context = context or GateContext()
    warn, fail, notes = _thresholds(policy, context)
    mode: GateMode = policy.mode
    if fail_above is not None:  # --fail-above on the command line: blocking at that threshold
        mode, fail, warn = "blocking", fail_above, min(warn, fail_above)
    word, reason = verdict(risk.score, warn, fail, mode, context, policy.missing_runtime, policy.unparsed)
    if context.runtime_missing and policy.missing_runtime == "open":
        notes.append("no runtime data for the changed functions: judged by the score alone")
    if context.unparsed and policy.unparsed == "open":
        notes.append("changed Python files that could not be parsed: judged by the score alone")
    override = None
    if word == "fail" and context.override is not None:
        word, override = "warn", context.override
        reason = f"{reason}; overridden by {override}"
    return Decision(
        threshold=fail if mode == "blocking" else None,
        reason=reason,
        verdict=word,
        warn_above=warn,
        mode=mode,
        override=override,
        notes=tuple(notes),
    )


def verdict(
    score: int,
    warn: int,
    fail: int,
    mode: GateMode,
    context: GateContext,
    missing_runtime: FailMode = "open",
    unparsed: FailMode = "closed",
) -> tuple[Verdict, str]:
    """The one verdict word (pass, warn, fail) and its reason; `fail` exactly when the check fails.

    Every renderer and sink shows this word. An advisory gate never fails, so a score above its
    fail threshold is a `warn` whose reason says it would fail in blocking mode.
    """
    if context.unparsed and unparsed == "closed":
        # code preflight cannot see is unknown, never "nothing changed": a change cannot pass a
        # blocking gate by padding a file past the parse limit or breaking its syntax
        count = len(context.unparsed)
        word: Verdict = "fail"
        reason = (
            f"{count} changed Python file{'s' * (count != 1)} could not be parsed "
            f"({', '.join(context.unparsed[:2])}{', ...' if count > 2 else ''}), and the gate fails on "
            "code it cannot see (gate.unparsed: closed)"
        )
    elif context.runtime_missing and missing_runtime == "closed":
        word = "fail"
        reason = "no runtime data for the changed functions, and the gate fails without it"
    elif score > fail:
        word, reason = "fail", f"score {score} is above the fail threshold {fail}"
    elif score > warn:
        word, reason = "warn", f"score {score} is above the warn threshold {warn}"
    else:
        word, reason = "pass", f"score {score} is at or below the warn threshold {warn}"
    if mode == "advisory" and word == "fail":
        return "warn", f"{reason}: it would fail in blocking mode (this gate is advisory)"
    return word, reason


def _thresholds(policy: Gate, context: GateContext) -> tuple[int, int, list[str]]:
    warn, fail = policy.warn_above, policy.fail_above
    notes: list[str] = []
    matched: list[tuple[str, GateRule]] = []
    for path in context.paths:
        rule = next((r for r in policy.rules if any(fnmatchcase(path, g) for g in r.paths)), None)
        matched += [(path, rule)] if rule is not None else []
    for service in context.services:
        rule = next((r for r in policy.rules if service in r.services), None)
        matched += [(f"service {service}", rule)] if rule is not None else []
    if matched and len(matched) == len(context.paths) + len(context.services):
        # every changed path and service has a rule: the strictest of the rules, even if looser
        warn = min(r.warn_above if r.warn_above is not None else policy.warn_above for _, r in matched)
        fail = min(r.fail_above if r.fail_above is not None else policy.fail_above for _, r in matched)
    else:  # some fall under the defaults: a rule can only make it stricter
        for _, rule in matched:
            warn = min(warn, rule.warn_above if rule.warn_above is not None else warn)
            fail = min(fail, rule.fail_above if rule.fail_above is not None else fail)
    warn = min(warn, fail)
    if matched:
        names = sorted({what for what, _ in matched})
        notes.append(
            f"gate rules for {', '.join(names[:5])}{', ...' if len(names) > 5 else ''}: warn above "
            f"{warn}, fail above {fail}"
        )
    if policy.budget_tightening and context.impact is not None:
        cut, why = _budget_cut(context.impact)
        if cut:
            warn, fail = max(0, warn - cut), max(0, fail - cut)
            notes.append(f"{why}: thresholds lowered by {cut}")
    return min(warn, fail), fail, notes


def _budget_cut(impact: Impact) -> tuple[int, str]:
    """Points off the thresholds for the SLO at risk with the least budget left."""
    at_risk = [slo for slo in impact.slos if slo.budget_remaining is not None and slo.burns]
    worst = min(at_risk, key=lambda slo: slo.budget_remaining or 0.0, default=None)
    if worst is None or worst.budget_remaining is None:
        return 0, ""
    for below, cut in BUDGET_TIGHTENING:
        if worst.budget_remaining < below:
            return (
                cut,
                f"SLO {worst.name} may burn with {worst.budget_remaining:.0%} of its error budget left",
            )
    return 0, ""

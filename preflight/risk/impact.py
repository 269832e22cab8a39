"""The impact half of the score: what a fault in the changed code would reach.

Points, before the defect likelihood scales them (see preflight.risk):
- traffic: 10 per decade of calls/min of the busiest changed function (1,000/min -> 30),
  at most 40; traffic inferred from callers counts at 0.75 (medium) or 0.5 (low confidence);
- front door: up to 15, times the share of simulations in which a front door is affected;
- SLO at risk: up to 25, times the probability that the change makes the SLO's remaining error
  budget run out within its window (the propagation stage's breach probability, less its breach
  without the change): nothing when the burn rate before the change already exhausts it;
- callers: 3 per doubling of the callers at risk (code index) of a function that was removed or
  whose signature change breaks some old call by Python's calling rules, at most 15;
- unknown traffic: 5 per changed function with no runtime data, measured or inferred, at
  most 15: a function nobody measured is not a function nobody calls. A module- or class-level
  change counts here only when no function of its file reads the names it binds (its readers,
  listed as reads-changed, carry its traffic otherwise);
- unparsed code: 5 per changed production Python file that could not be parsed, or only
  partially (too large, undecodable, a syntax error), at most 15: its changes are unknown.
`share` scales what the fault reaches (a canary or a feature flag at 5% -> 0.05): traffic,
the front door and the SLO probabilities. It is a first-order approximation; the SLO part
overstates the benefit a little when the budget is nearly gone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from preflight.models import ChangeKind, Factor, FileChange, FunctionChange, FunctionExposure, Impact

TRAFFIC_POINTS_PER_DECADE = 10.0
TRAFFIC_CAP = 40.0
INFERRED_WEIGHT = {"medium": 0.75, "low": 0.5}
FRONT_DOOR_POINTS = 15.0
SLO_POINTS = 25.0
CALLER_POINTS_PER_DOUBLING = 3.0
CALLERS_CAP = 15.0
UNKNOWN_POINTS = 5.0
UNKNOWN_CAP = 15.0


NAME_LIMIT = 100
"""Names from the diff or telemetry are shortened to this in explanations (the JSON has them whole)."""


def short(name: str) -> str:
    """A name as explanations show it: at most NAME_LIMIT characters."""
    return name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 1] + "…"


def traffic(item: FunctionExposure) -> tuple[float, float, str] | None:
    """(calls/min, weight, how it is known) of a function, measured or inferred; None if unknown."""
    if item.calls_per_min is not None:
        return item.calls_per_min, 1.0, "measured"
    if item.inferred is not None:
        inferred = item.inferred
        return (
            inferred.calls_per_min,
            INFERRED_WEIGHT[inferred.confidence],
            f"inferred from callers, {inferred.confidence} confidence",
        )
    return None


def hottest(behavioural: Sequence[FunctionExposure]) -> tuple[FunctionExposure, float] | None:
    """The changed function whose traffic scores most, and its points at full exposure."""
    best: tuple[FunctionExposure, float] | None = None
    for item in behavioural:
        known = traffic(item)
        if known is None or not known[0]:
            continue
        points = _traffic_points(known[0], known[1])
        if best is None or points > best[1]:
            best = item, points
    return best


def signature_breaks(behavioural: Sequence[FunctionExposure]) -> list[FunctionExposure]:
    """Changed functions that break their callers, with callers at risk: removed, or a signature
    change that some old call no longer survives (FunctionChange.signature_break non-empty).
    Annotation-only and compatible signature edits break nobody and are not scored."""
    return [
        f
        for f in behavioural
        if f.callers and (f.change.kind is ChangeKind.REMOVED or f.change.signature_break)
    ]


SHOWN_BREAKS = 2
"""Reasons of one break named in text; the JSON has them all."""


def what_broke(change: FunctionChange) -> str:
    """The exact break, after the function's name: `was removed`, `changed its signature (...)`."""
    if change.kind is ChangeKind.REMOVED:
        return "was removed"
    return f"changed its signature ({reasons(change)})"


def reasons(change: FunctionChange) -> str:
    """The first SHOWN_BREAKS reasons of a signature break, and how many more."""
    found = change.signature_break or ()
    more = len(found) - SHOWN_BREAKS
    return ", ".join(found[:SHOWN_BREAKS]) + (f" and {more} more" if more > 0 else "")


def at_risk(callers: int) -> str:
    """`12 callers the change did not update`: FunctionExposure.callers, in words."""
    return f"{callers:,} caller{'s' * (callers != 1)} the change did not update"


def needs_traffic(item: FunctionExposure) -> bool:
    """Whether a change without runtime data is unknown traffic: every function, and a module- or
    class-level change that no function of its file reads (its readers carry it otherwise)."""
    return item.change.scope == "function" or not item.change.read_by


def unparsed_detail(unparsed: Sequence[FileChange]) -> str:
    """`2 changed Python files could not be parsed (a.py: why; b.py: why)`: FileChange.unparsed."""
    count = len(unparsed)
    shown = "; ".join(f"{short(f.path)}: {f.unparsed}" for f in unparsed[:SHOWN_BREAKS])
    more = f"; {count - SHOWN_BREAKS} more" if count > SHOWN_BREAKS else ""
    return (
        f"{count} changed Python file{'s' * (count != 1)} could not be parsed fully ({shown}{more}): "
        f"{'its' if count == 1 else 'their'} changes are unknown"
    )


def factors(
    behavioural: Sequence[FunctionExposure],
    impact: Impact | None,
    share: float = 1.0,
    compatible: bool = False,
    unparsed: Sequence[FileChange] = (),
) -> list[Factor]:
    """The impact factors, each with its points; `share` and `compatible` ask "what if"."""
    found: list[Factor] = []
    top = hottest(behavioural)
    if top is not None:
        item, _ = top
        rate, weight, how = traffic(item) or (0.0, 0.0, "")
        points = _traffic_points(rate * share, weight)
        reach = "" if share == 1.0 else f", {share:.0%} of it exposed"
        found.append(
            Factor(
                "traffic", points, f"{short(item.change.qualname)} runs {rate:,.0f} calls/min ({how}{reach})"
            )
        )
    if impact is not None:
        found += _blast_radius(impact, share)
    breaks = [] if compatible else signature_breaks(behavioural)
    if breaks:
        widest = max(breaks, key=lambda f: f.callers or 0)
        callers = widest.callers or 0
        found.append(
            Factor(
                "callers",
                min(CALLERS_CAP, CALLER_POINTS_PER_DOUBLING * math.log2(1 + callers)),
                f"{short(widest.change.qualname)} {what_broke(widest.change)}; {at_risk(callers)}",
            )
        )
    unknown = [f for f in behavioural if traffic(f) is None and needs_traffic(f)]
    if unknown:
        count = len(unknown)
        found.append(
            Factor(
                "unknown traffic",
                min(UNKNOWN_CAP, UNKNOWN_POINTS * count),
                f"{count} changed function{'s' * (count != 1)} without runtime data",
            )
        )
    if unparsed:
        found.append(
            Factor(
                "unparsed code", min(UNKNOWN_CAP, UNKNOWN_POINTS * len(unparsed)), unparsed_detail(unparsed)
            )
        )
    return found


def _traffic_points(rate: float, weight: float) -> float:
    return min(TRAFFIC_CAP, weight * TRAFFIC_POINTS_PER_DECADE * math.log10(1 + rate))


def _blast_radius(impact: Impact, share: float) -> list[Factor]:
    found = []
    doors = [s for s in impact.services if s.front_door and s.affected_probability > 0]
    door = max(doors, key=lambda s: s.affected_probability, default=None)
    if door is not None:
        found.append(
            Factor(
                "front door",
                FRONT_DOOR_POINTS * door.affected_probability * share,
                f"{short(door.service)} is affected in {door.affected_probability:.0%} of simulations",
            )
        )
    # an SLO whose budget runs out without the change is not put at risk by it (breach_added)
    at_risk = [s for s in impact.slos if s.breach_added]
    slo = max(at_risk, key=lambda s: s.breach_added or 0.0, default=None)
    if slo is not None:
        chance = slo.breach_added or 0.0
        budget = "unknown" if slo.budget_remaining is None else f"{slo.budget_remaining:.0%}"
        path = f"; path {' -> '.join(map(short, slo.critical_path))}" if len(slo.critical_path) > 1 else ""
        burn = f", burn rate {slo.burn_rate.median:.1f}x" if slo.burn_rate is not None else ""
        found.append(
            Factor(
                "SLO at risk",
                SLO_POINTS * chance * share,
                f"{short(slo.name)} ({short(slo.service)}) exhausts its remaining budget ({budget} left{burn}) in "
                f"{chance:.0%} of simulations{path}",
            )
        )
    return found

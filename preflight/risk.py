"""Stage 6, risk: a 0-100 score whose factors add up to it, and the gate decision.

This first model is deliberately simple and fully explained: how much behaviour
changed, how much traffic the changed functions carry, and how much of the
change has no runtime data at all (unknown is never scored as zero risk).
"""

from __future__ import annotations

import math

from preflight.models import Aspect, ChangeKind, Decision, Exposure, Factor, FunctionExposure, Impact, Risk

# Points per changed function, by what changed; a signature change breaks callers, a docstring does not.
KIND_POINTS = {ChangeKind.ADDED: 2.0, ChangeKind.REMOVED: 4.0}
ASPECT_POINTS = {Aspect.SIGNATURE: 4.0, Aspect.BODY: 3.0, Aspect.DECORATORS: 3.0, Aspect.DOCSTRING: 0.5}
SIZE_CAP = 30.0
# Traffic: points per decade of calls/min of the busiest changed function (60,000/min -> ~53).
TRAFFIC_POINTS_PER_DECADE = 11.0
TRAFFIC_CAP = 55.0
UNKNOWN_POINTS = 5.0
UNKNOWN_CAP = 15.0
# Blast radius (stage 5): up to this many points, scaled by the worst of the probability that an
# SLO's remaining budget is exhausted within its window and that a front door is affected.
IMPACT_POINTS = 20.0
LEVELS = ((75, "critical"), (50, "high"), (25, "medium"), (0, "low"))


def change_points(item: FunctionExposure) -> float:
    """Size points of one changed function; cosmetic edits and pure renames score zero."""
    change = item.change
    if change.kind is ChangeKind.MODIFIED:
        return sum(ASPECT_POINTS[a] for a in change.aspects)
    return KIND_POINTS.get(change.kind, 0.0)


# Traffic inferred from callers counts, discounted by how sure the estimate is.
INFERRED_WEIGHT = {"medium": 0.75, "low": 0.5}


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


def assess(exposure: Exposure, impact: Impact | None = None) -> Risk:
    """Score the change and explain every point."""
    behavioural = [f for f in exposure.functions if f.change.behavioural]
    known = [f for f in behavioural if f.calls_per_min is not None]
    unknown = [f for f in behavioural if traffic(f) is None]
    factors: list[Factor] = []

    size = min(SIZE_CAP, sum(change_points(f) for f in behavioural))
    if size:
        factors.append(
            Factor("change size", round(size, 1), f"{_count(len(behavioural), 'function')} changed behaviour")
        )
    hottest, points, how = None, 0.0, ""
    for item in behavioural:
        known_traffic = traffic(item)
        if known_traffic is None or not known_traffic[0]:
            continue
        rate, weight, source = known_traffic
        candidate = min(TRAFFIC_CAP, weight * TRAFFIC_POINTS_PER_DECADE * math.log10(1 + rate))
        if candidate > points:
            hottest, points, how = item, candidate, source
    if hottest is not None:
        rate = (traffic(hottest) or (0.0, 0.0, ""))[0]
        factors.append(
            Factor(
                "traffic", round(points, 1), f"{hottest.change.qualname} runs {rate:,.0f} calls/min ({how})"
            )
        )
    if unknown:
        unknown_points = min(UNKNOWN_CAP, UNKNOWN_POINTS * len(unknown))
        factors.append(
            Factor(
                "unknown traffic",
                round(unknown_points, 1),
                f"{_count(len(unknown), 'changed function')} without runtime data",
            )
        )
    if impact is not None:
        blast = _blast_radius(impact)
        if blast is not None:
            factors.append(blast)
    score = min(100, round(sum(f.points for f in factors)))
    unknowns = [f"no runtime data for {f.change.qualname}" for f in unknown]
    unknowns += [
        f"no runtime data for {f.change.qualname}; {f.inferred.calls_per_min:,.0f} calls/min inferred from "
        f"{_count(len(f.inferred.callers), 'caller')} ({f.inferred.confidence} confidence)"
        for f in behavioural
        if f.calls_per_min is None and f.inferred is not None
    ]
    return Risk(
        score=score,
        level=next(name for floor, name in LEVELS if score >= floor),
        factors=tuple(factors),
        unknowns=tuple(unknowns),
        confidence=_confidence(len(known), len(behavioural), exposure.source),
        lower_it=_lower_it(hottest, unknown, size, exposure.source),
    )


def _blast_radius(impact: Impact) -> Factor | None:
    """Points for what the simulated failure reaches: users (front doors) and SLO budgets."""
    doors = [s for s in impact.services if s.front_door and s.affected_probability > 0]
    breaches = [s for s in impact.slos if s.breach_probability]
    door = max(doors, key=lambda s: s.affected_probability, default=None)
    slo = max(breaches, key=lambda s: s.breach_probability or 0.0, default=None)
    worst = max(door.affected_probability if door else 0.0, slo.breach_probability or 0.0 if slo else 0.0)
    if worst <= 0:
        return None
    parts = []
    if door is not None:
        parts.append(f"front door {door.service} affected in {door.affected_probability:.0%} of simulations")
    if slo is not None:
        parts.append(f"SLO {slo.name} budget exhausted in {slo.breach_probability:.0%}")
    return Factor("blast radius", round(IMPACT_POINTS * worst, 1), "; ".join(parts))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _confidence(known: int, total: int, source: str | None) -> str:
    if source is None:
        return "low"
    share = known / total if total else 1.0
    return "high" if share >= 0.9 else "medium" if share >= 0.5 else "low"


def _lower_it(
    hottest: FunctionExposure | None, unknown: list[FunctionExposure], size: float, source: str | None
) -> tuple[str, ...]:
    advice = []
    if hottest is not None:
        advice.append(
            f"ship {hottest.change.qualname} behind a feature flag or canary: it is the busiest changed function"
        )
    if unknown:
        advice.append(
            "provide runtime data (--calls) for the changed functions so traffic is measured, not unknown"
            if source is None
            else f"add runtime data for the {_count(len(unknown), 'function')} missing from {source}"
        )
    if size >= SIZE_CAP:
        advice.append("split the change: it alters many functions at once")
    return tuple(advice)


def decide(risk: Risk, fail_above: int | None) -> Decision:
    """The default gate policy, blocking at --fail-above when it is given (see preflight.gate)."""
    from preflight import gate
    from preflight.config import Gate

    return gate.decide(risk, Gate(), fail_above)

"""The digest from the scored changes: pure functions, no IO."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from preflight.digest.contents import (
    Digest,
    HotFunction,
    Merged,
    ScoredChange,
    ServiceTraffic,
    SloRisk,
    Totals,
)
from preflight.models import VERDICTS, Factor, FunctionExposure, SloImpact

LEVELS = ("low", "medium", "high", "critical")


def verdict(change: ScoredChange) -> str:
    """The verdict word of one change: the one its row shows and the totals count."""
    return change.result.decision.verdict


def build(
    text: str,
    base: str,
    head: str,
    changes: Sequence[ScoredChange],
    edges: Iterable[tuple[str, str, float | None]] = (),
    runtime: str | None = None,
    skipped: Sequence[Merged] = (),
) -> Digest:
    """Hot functions, SLOs at risk, traffic per service and totals of a range's scored changes."""
    changed = _functions(changes)
    words = [verdict(c) for c in changes]
    return Digest(
        range=text,
        base=base,
        head=head,
        changes=tuple(changes),
        hot=hot_functions(changes),
        slos=slos_at_risk(changes),
        services=service_traffic(changes),
        totals=Totals(
            changes=len(changes),
            by_level=tuple((level, sum(c.result.risk.level == level for c in changes)) for level in LEVELS),
            by_verdict=tuple((word, words.count(word)) for word in VERDICTS),
            functions=len(changed),
            unknown=sum(traffic(f) is None for f in changed.values()),
            calls_per_min=known_sum(traffic(f) for f in changed.values()),
            skipped=len(skipped),
        ),
        edges=tuple(edges),
        runtime=runtime,
        skipped=tuple(skipped),
    )


def known_sum(values: Iterable[float | None]) -> float | None:
    """The sum of the known values; None when none is known (unknown traffic is not zero)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def traffic(item: FunctionExposure) -> float | None:
    """Measured calls/min, else inferred from callers, else None (unknown)."""
    if item.calls_per_min is not None:
        return item.calls_per_min
    return item.inferred.calls_per_min if item.inferred is not None else None


def service(item: FunctionExposure) -> str | None:
    """Where the function runs: measured, else where the simulation placed it (its busiest
    caller's service, as `check` injects it), else None."""
    if item.service is not None:
        return item.service
    return item.inferred.service if item.inferred is not None else None


def top_factor(factors: Iterable[Factor]) -> Factor | None:
    """The factor that added the most points, if any added some."""
    return max((f for f in factors if f.points > 0), key=lambda f: f.points, default=None)


def _behavioural(change: ScoredChange) -> list[FunctionExposure]:
    return [f for f in change.result.exposure.functions if f.change.behavioural]


def _functions(changes: Sequence[ScoredChange]) -> dict[str, FunctionExposure]:
    """Each distinct function changed behaviourally, with its best-known traffic."""
    found: dict[str, FunctionExposure] = {}
    for change in changes:
        for item in _behavioural(change):
            seen = found.get(item.change.qualname)
            if seen is None or (traffic(item) or -1.0) > (traffic(seen) or -1.0):
                found[item.change.qualname] = item
    return found


def hot_functions(changes: Sequence[ScoredChange]) -> tuple[HotFunction, ...]:
    """Functions more than one change touched behaviourally, busiest first (unknown traffic last)."""
    labels: dict[str, list[str]] = {}
    for change in changes:
        for item in _behavioural(change):
            touched = labels.setdefault(item.change.qualname, [])
            if change.merged.label not in touched:
                touched.append(change.merged.label)
    best = _functions(changes)
    hot = [
        HotFunction(
            qualname=name,
            service=service(best[name]),
            calls_per_min=traffic(best[name]),
            inferred=best[name].calls_per_min is None and best[name].inferred is not None,
            changes=tuple(touched),
        )
        for name, touched in labels.items()
        if len(touched) > 1
    ]
    hot.sort(key=lambda h: (h.calls_per_min is None, -(h.calls_per_min or 0.0), -len(h.changes), h.qualname))
    return tuple(hot)


def at_risk(slo: SloImpact) -> bool:
    """A chance of breaching the SLO, or a burn rate above the budgeted one, that the change
    causes: an SLO already burning too fast is not put at risk by a change that leaves it alone."""
    worse = slo.sli_before is None or slo.sli_after is None or slo.sli_after.median < slo.sli_before
    return worse and slo.burns


def slos_at_risk(changes: Sequence[ScoredChange]) -> tuple[SloRisk, ...]:
    """Every SLO some change puts at risk, most likely breached first."""
    found: dict[tuple[str, str], SloRisk] = {}
    for change in changes:
        impact = change.result.impact
        for slo in impact.slos if impact is not None else ():
            if not at_risk(slo):
                continue
            burn = slo.burn_rate.median if slo.burn_rate is not None else None
            seen = found.get((slo.name, slo.service))
            if seen is None:
                found[(slo.name, slo.service)] = SloRisk(
                    slo.name,
                    slo.service,
                    slo.indicator,
                    slo.budget_remaining,
                    slo.breach_probability,
                    slo.breach_before,
                    burn,
                    (change.merged.label,),
                )
                continue
            found[(slo.name, slo.service)] = SloRisk(
                seen.name,
                seen.service,
                seen.indicator,
                seen.budget_remaining,
                _highest(seen.breach_probability, slo.breach_probability),
                _highest(seen.breach_before, slo.breach_before),
                _highest(seen.burn_rate, burn),
                (*seen.changes, change.merged.label)
                if change.merged.label not in seen.changes
                else seen.changes,
            )
    return tuple(
        sorted(found.values(), key=lambda s: (-(s.breach_probability or 0.0), -(s.burn_rate or 0.0), s.name))
    )


def _highest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def service_traffic(changes: Sequence[ScoredChange]) -> tuple[ServiceTraffic, ...]:
    """Per service: the traffic its changed functions carry, which changes touched or affect it."""
    functions: dict[str, dict[str, FunctionExposure]] = {}
    touched: dict[str, dict[str, ScoredChange]] = {}
    affected: dict[str, list[str]] = {}
    for change in changes:
        for item in _behavioural(change):
            name = service(item) or ""
            seen = functions.setdefault(name, {}).get(item.change.qualname)
            if seen is None or (traffic(item) or -1.0) > (traffic(seen) or -1.0):
                functions[name][item.change.qualname] = item
            touched.setdefault(name, {})[change.merged.sha] = change
        impact = change.result.impact
        for hit in impact.services if impact is not None else ():
            if hit.affected and change.merged.label not in affected.setdefault(hit.service, []):
                affected[hit.service].append(change.merged.label)
    rows = []
    for name in {*functions, *affected}:
        items = functions.get(name, {}).values()
        by = list(touched.get(name, {}).values())
        rows.append(
            ServiceTraffic(
                service=name,
                calls_per_min=known_sum(traffic(f) for f in items),
                functions=len(items),
                unknown=sum(traffic(f) is None for f in items),
                changes=tuple(c.merged.label for c in by),
                level=max((c.result.risk.level for c in by), key=LEVELS.index, default="none"),
                affected_by=tuple(affected.get(name, ())),
            )
        )
    rows.sort(key=lambda s: (-(s.calls_per_min or 0.0), -s.functions, s.service))
    return tuple(rows)

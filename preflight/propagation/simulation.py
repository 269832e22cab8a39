"""Simulate injected faults over a service graph: per-service and per-SLO predictions (Monte Carlo).

The engine (engine.py) propagates the faults trial by trial; this module turns its arrays
into the frozen `Impact` contract: estimates with a 90% interval, which services are affected
and by which call chain, and each SLO's burn rate, time to exhaust and breach probability.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from preflight.errors import InputError
from preflight.models import EXHAUSTED_BEFORE, Estimate, Impact, Service, ServiceImpact, SloImpact, SloStatus
from preflight.propagation import routes
from preflight.propagation.engine import State, propagate
from preflight.propagation.faults import Fault
from preflight.propagation.graph import ServiceGraph, share_below

AFFECTED_RATIO = 1.5
"""A service is affected when its p90 grows by this factor ..."""
AFFECTED_ERROR = 0.01
"""... or its error rate by this much (one percentage point) ..."""
AFFECTED_MS = 100.0
"""... or, when its latency before is unknown, its p90 by this many milliseconds."""
DEFAULT_TRIALS = 10_000
_HOURS = {"m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0, "M": 730.5, "Q": 2191.5, "Y": 8766.0}
_WINDOW = re.compile(r"^(\d+)([mhdwMQY])$")


def simulate(
    graph: ServiceGraph,
    faults: Sequence[Fault],
    slos: Sequence[SloStatus] = (),
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
) -> Impact:
    """Inject the faults, propagate them to callers over `trials` Monte Carlo trials, predict every SLO."""
    for fault in faults:
        if fault.service not in graph.graph:
            known = ", ".join(sorted(graph.graph.nodes)[:8])
            raise InputError(
                f"--inject {fault.spec!r}: no service {fault.service!r} in the graph (known: {known})"
            )
    if trials < 1:
        raise InputError(f"--trials {trials}: simulate at least one trial")
    routed = routes.expand(graph)
    thresholds: dict[str, list[float]] = {}
    for slo in slos:
        if slo.indicator == "latency" and slo.threshold_ms is not None:
            node = routes.slo_node(routed, slo) if routed is not None else None
            thresholds.setdefault(node or slo.service, []).append(slo.threshold_ms)
    if routed is None:
        state = propagate(graph, list(faults), trials, seed, thresholds=thresholds)
    else:
        found = routes.faults(routed, faults)
        state = propagate(routed.graph, found, trials, seed, routed.groups, thresholds)
        state.assumptions[:0] = routed.notes
    doors = graph.front_doors()
    moved = (
        state.error.any(axis=1)
        | state.wrong.any(axis=1)
        | state.delay[0.5].any(axis=1)
        | state.delay[0.9].any(axis=1)
        | state.network.any(axis=1)
        | (state.load != 1).any(axis=1)
    )
    rows = {
        name: row for name in graph.graph.nodes if (row := state.rows.get(name)) is not None and moved[row]
    }
    changes = dict(zip(rows, _changes(graph, state, list(rows.values())), strict=True))
    services = [
        _service(graph, state, rows[name], name in doors, change)
        if (change := changes.get(name)) is not None
        else _unchanged(graph, name, name in doors)
        for name in graph.graph.nodes
    ]
    sources = list(dict.fromkeys(f.service for f in faults))
    services = [replace(s, path=_reach(graph, sources, s.service)) if s.affected else s for s in services]
    by_name = {s.service: s for s in services}
    notes: list[str] = list(dict.fromkeys(state.assumptions))
    predicted = tuple(
        _slo(graph, state, by_name, slo, [f.service for f in faults], notes, routed) for slo in slos
    )
    return Impact(
        faults=tuple(f.spec for f in faults),
        trials=state.shape.trials,
        services=tuple(sorted(services, key=lambda s: (not s.affected, -s.affected_probability, s.service))),
        slos=predicted,
        assumptions=tuple(dict.fromkeys(notes)),
    )


def _reach(graph: ServiceGraph, sources: Sequence[str], name: str) -> tuple[str, ...]:
    """The shortest chain from an injected service to name, so a diagram can draw what reached it."""
    paths = [path for source in sources if (path := graph.path(source, name))]
    return min(paths, key=len, default=())


def _estimate(values: np.ndarray) -> Estimate:
    first = float(values[0])
    if (values == first).all():  # unmoved in every trial (most load factors, errors of a slowdown)
        return _fixed(first)
    if np.isfinite(values).all():
        # a result monotone in the (sorted) first sampled magnitude comes out sorted: read its
        # quantiles off directly instead of partitioning (same numbers as np.quantile's "linear")
        if (values[1:] >= values[:-1]).all():
            return _sorted_estimate(values)
        if (values[1:] <= values[:-1]).all():
            return _sorted_estimate(values[::-1])
        low, median, high = np.quantile(values, (0.05, 0.5, 0.95))
    else:  # infinite values (a budget never exhausted) cannot be interpolated: order statistics
        low, median, high = np.quantile(values, (0.05, 0.5, 0.95), method="nearest")
    return Estimate(float(median), float(low), float(high))


def _estimates(values: np.ndarray) -> list[Estimate]:
    """_estimate of each row; the rows that need interpolated quantiles get them in one call."""
    finite = np.isfinite(values).all(axis=1)
    rising = (values[:, 1:] >= values[:, :-1]).all(axis=1)
    falling = (values[:, 1:] <= values[:, :-1]).all(axis=1)
    general = np.flatnonzero(finite & ~rising & ~falling)
    found = dict(
        zip(general.tolist(), np.quantile(values[general], (0.05, 0.5, 0.95), axis=1).T.tolist(), strict=True)
    )
    return [
        Estimate(found[i][1], found[i][0], found[i][2]) if i in found else _estimate(row)
        for i, row in enumerate(values)
    ]


def _changes(graph: ServiceGraph, state: State, rows: list[int]) -> list[_Change]:
    """Per row: its errors after per scenario and the estimates _service reports (each estimate
    over all rows at once)."""
    base = np.array([graph.service(state.names[row]).error_rate for row in rows])
    errors = 1 - (1 - base)[:, None] * (1 - state.error[rows]) * (1 - state.wrong[rows])
    columns = [_estimates(values) for values in (state.delay[0.9][rows], state.delay[0.5][rows], errors)]
    columns.append(_estimates(state.load[rows]))
    return [
        _Change(errors[i], p90, p50, error, load)
        for i, (p90, p50, error, load) in enumerate(zip(*columns, strict=True))
    ]


@dataclass(frozen=True, slots=True)
class _Change:
    """What _service reports of one moved row, computed for all moved rows at once (`_changes`)."""

    errors: np.ndarray
    """Share of bad responses after, per scenario."""
    added_p90: Estimate
    """Added p90, ms."""
    added_p50: Estimate
    """Added p50, ms (unused when the p50 before is unknown)."""
    error_rate: Estimate
    """errors' estimate."""
    load: Estimate
    """Requests received relative to before."""


def _sorted_estimate(ordered: np.ndarray) -> Estimate:
    last = len(ordered) - 1
    low, median, high = (
        float(ordered[int(h)] + (ordered[min(int(h) + 1, last)] - ordered[int(h)]) * (h - int(h)))
        for h in (last * 0.05, last * 0.5, last * 0.95)
    )
    return Estimate(median, low, high)


def _fixed(value: float) -> Estimate:
    return Estimate(value, value, value)


def _unchanged(graph: ServiceGraph, name: str, door: bool) -> ServiceImpact:
    service = graph.service(name)
    return ServiceImpact(
        service=name,
        p50_ms_before=service.p50_ms,
        p90_ms_before=service.p90_ms,
        p50_ms_after=None if service.p50_ms is None else _fixed(service.p50_ms),
        p90_ms_after=None if service.p90_ms is None else _fixed(service.p90_ms),
        added_p90_ms=_fixed(0.0),
        error_rate_before=service.error_rate,
        error_rate_after=_fixed(service.error_rate),
        load_factor=_fixed(1.0),
        affected_probability=0.0,
        affected=False,
        front_door=door,
    )


def _service(graph: ServiceGraph, state: State, row: int, door: bool, change: _Change) -> ServiceImpact:
    service = graph.service(state.names[row])
    errors = change.errors
    added = state.delay[0.9][row]
    if service.p90_ms:
        slow = (service.p90_ms + added) / service.p90_ms >= AFFECTED_RATIO
    else:
        slow = added >= AFFECTED_MS
    hit = slow | (errors - service.error_rate >= AFFECTED_ERROR)
    probability = float(hit.mean())
    # the engine keeps every latency at or above zero, so a percentile after is the one before
    # plus the quantile of its change: one order statistic per percentile, not two
    added_p90 = change.added_p90
    added_p50 = change.added_p50 if service.p50_ms is not None else None
    return ServiceImpact(
        service=service.name,
        p50_ms_before=service.p50_ms,
        p90_ms_before=service.p90_ms,
        p50_ms_after=None
        if service.p50_ms is None or added_p50 is None
        else _shift(added_p50, service.p50_ms),
        p90_ms_after=None if service.p90_ms is None else _shift(added_p90, service.p90_ms),
        added_p90_ms=added_p90,
        error_rate_before=service.error_rate,
        error_rate_after=change.error_rate,
        load_factor=change.load,
        affected_probability=probability,
        affected=probability >= 0.5,
        front_door=door,
    )


def _shift(value: Estimate, by: float) -> Estimate:
    return Estimate(value.median + by, value.low + by, value.high + by)


def _errors_after(base: float, state: State, row: int) -> np.ndarray:
    """Bad responses: errors, and wrong values (whoever gets one, a user included, has a failure)."""
    return np.asarray(1 - (1 - base) * (1 - state.error[row]) * (1 - state.wrong[row]))


def _slo(
    graph: ServiceGraph,
    state: State,
    services: dict[str, ServiceImpact],
    slo: SloStatus,
    sources: list[str],
    notes: list[str],
    routed: routes.Routed | None = None,
) -> SloImpact:
    own: list[str] = []
    objective = slo.objective
    path: tuple[str, ...] = ()
    for source in sources:
        path = graph.path(source, slo.service)
        if path:
            break
    empty = SloImpact(
        slo.name, slo.service, slo.indicator, objective or 0.0, None, None, None, None, None, None, None, path
    )
    if slo.service not in graph.graph or objective is None or not 0 < objective < 1:
        own.append(
            f"{slo.service} is not in the service graph" if slo.service not in graph.graph else "no objective"
        )
        return _with_notes(empty, own)
    row = state.rows.get(slo.service)
    service = graph.service(slo.service)
    node = routes.slo_node(routed, slo) if routed is not None else None
    if node is not None:  # a route-level SLO: judged on its route's requests
        row, service = state.rows.get(node), routed.graph.service(node) if routed is not None else service
    if slo.indicator == "latency":
        before, after = _latency_sli(service, state, row, slo.threshold_ms, node or slo.service)
    else:
        before = 1 - service.error_rate
        unmoved = np.full(state.error.shape[1], before)
        after = unmoved if row is None else 1 - _errors_after(service.error_rate, state, row)
    if before is None or after is None:
        own.append(
            f"{slo.service}'s latency before the change is unknown: the latency SLI cannot be predicted"
        )
        return _with_notes(empty, own)
    burn = (1 - after) / (1 - objective)
    hours = _window_hours(slo.window)
    budget = slo.budget_remaining
    to_exhaust = breach = breach_before = None
    if budget is None:
        own.append("error budget left is unknown: time to exhaust and breach probability are not predicted")
    elif hours is None:
        own.append(f"window {slo.window!r} is not like 28d: time to exhaust is not predicted")
    else:
        left = max(budget, 0.0) * hours
        to_exhaust = _estimate(np.where(burn > 0, left / np.maximum(burn, 1e-12), np.inf))
        breach = float((burn * hours >= left).mean())
        # the breach the SLO is headed for anyway: the change is charged only for what it adds
        burn_before = (1 - before) / (1 - objective)
        breach_before = float(burn_before * hours >= left)
        if breach_before:
            own.append(
                f"{EXHAUSTED_BEFORE} (burn rate {burn_before:.2f}x before it, "
                f"{budget:.0%} of the budget left)"
            )
    return _with_notes(
        SloImpact(
            name=slo.name,
            service=slo.service,
            indicator=slo.indicator,
            objective=objective,
            sli_before=float(before),
            sli_after=_estimate(after),
            burn_rate=_estimate(burn),
            budget_remaining=budget,
            hours_to_exhaust=to_exhaust,
            breach_probability=breach,
            breach_before=breach_before,
            critical_path=path,
        ),
        own,
    )


def _with_notes(impact: SloImpact, notes: list[str]) -> SloImpact:
    return replace(impact, notes=tuple(notes))


def _latency_sli(
    service: Service, state: State, row: int | None, threshold: float | None, name: str
) -> tuple[float | None, np.ndarray | None]:
    """Share of requests under the threshold: before, from a lognormal through the p50 and p90;
    after, that plus the change the simulated requests show (State.below)."""
    p50, p90 = service.p50_ms, service.p90_ms
    if threshold is None or p50 is None or p90 is None or p50 <= 0:
        return None, None

    before = float(share_below(threshold, p50, p90))
    change = state.below.get((name, threshold))
    if row is None or change is None:  # a service the faults cannot reach
        return before, np.full(state.error.shape[1], before)
    return before, np.clip(before + change, 0.0, 1.0)


def _window_hours(window: str | None) -> float | None:
    match = _WINDOW.match(window or "")
    return int(match[1]) * _HOURS[match[2]] if match else None

"""get_function_context and list_hot_functions: what production does with the code, before it
is changed.

A function's numbers are `preflight context --format json`'s (the same document), with what the
work tree's code index adds: the entry points that reach it, its callers and, without runtime
data of its own, the traffic inferred from its callers.
"""

from __future__ import annotations

from typing import Any

from preflight.callgraph import reach
from preflight.changes import sources
from preflight.commands import context
from preflight.errors import InputError
from preflight.exposure import mark_production
from preflight.mcp import summaries
from preflight.mcp.session import Session
from preflight.models import FunctionExposure, RuntimeStats

MAX_LIMIT = 200


def function_context(session: Session, spec: str) -> dict[str, Any]:
    """get_function_context: the function PATH::QUALNAME names, in the work tree, with what
    production does with it and what is unknown."""
    change = session.function(spec)
    loaded = session.snapshot()
    found = context.expose(loaded.prepared, change, str(loaded.location), session.now())
    found = loaded.reach(mark_production(found, session.settings.is_production), session.worktree())
    doc = context.context_document(found, loaded.prepared)
    item = found.functions[0]
    return {"summary": summaries.text(_sentences(item, doc)), **doc, "unknowns": _unknowns(item, doc)}


def _sentences(item: FunctionExposure, doc: dict[str, Any]) -> list[str | None]:
    n = summaries.name
    change = item.change
    where = f"{n(change.qualname)} ({n(change.path)}, line {doc['lines']['start']})"
    if doc["known"] and item.calls_per_min is not None:
        also = [s for s in item.services if s != item.service]
        share = (
            f", in {summaries.share(item.share_of_service)} of its requests"
            if item.share_of_service is not None
            else ""
        )
        others = f"; it also runs in {summaries.listing([n(s) for s in also])}" if also else ""
        traffic = (
            f"{where} runs {summaries.rate(item.calls_per_min)} times a minute in {n(item.service)}"
            f"{share}{others}"
        )
        timing = (
            f"Median latency {summaries.ms(item.p50_ms)}, p99 {summaries.ms(item.p99_ms)}, errors "
            f"{summaries.share(item.error_rate)} (measured from {n(item.source)})"
        )
    else:
        traffic = f"No runtime data for {where} in the snapshot: its traffic is unknown, not zero"
        inferred = item.inferred
        if inferred is not None:
            traffic += (
                f"; inferred from {len(inferred.callers)} caller{'s' * (len(inferred.callers) != 1)} with "
                f"data: about {summaries.rate(inferred.calls_per_min)} calls/min (confidence "
                f"{inferred.confidence}"
                + (
                    f", {inferred.unknown_callers} more callers without data"
                    if inferred.unknown_callers
                    else ""
                )
                + ")"
            )
        timing = None
    routes = [n(route.label) for route in item.routes]
    count = item.callers or 0
    callers = f"{count or 'no'} production function{'s' * (count != 1)} of the work tree call{'s' * (count == 1)} it"
    if routes:
        reached = f"It is reached from {summaries.listing(routes)}; {callers}"
    else:
        reached = f"No entry point of the code reaches it in the call graph; {callers}"
    if item.endpoints:
        reached += f"; traces show it serving {summaries.listing([n(e) for e in item.endpoints])}"
    slos = [
        f"{n(slo.name)} ({summaries.share(slo.objective)} {slo.indicator}, "
        f"{summaries.share(slo.budget_remaining)} of its error budget left)"
        for slo in item.slos
    ]
    budget = f"It counts toward the SLO{'s' * (len(slos) != 1)} {summaries.listing(slos)}" if slos else None
    return [traffic, timing, reached, budget, summaries.freshness(doc["snapshot"])]


def _unknowns(item: FunctionExposure, doc: dict[str, Any]) -> list[str]:
    found = []
    if not doc["known"]:
        found.append(
            f"no runtime data for {item.change.qualname}: its traffic is unknown"
            + (", estimated from its callers" if item.inferred is not None else " and no caller has data")
        )
    else:
        found += _missing(item.runtime)
    if not item.production:
        found.append(f"{item.change.path} is not production code (paths.non_production): it is never scored")
    stale = summaries.stale(doc["snapshot"])
    if stale:
        found.append(stale)
    return found


def _missing(stats: RuntimeStats) -> list[str]:
    """What a measured function's data leaves out."""
    names = {"p50_ms": "median latency", "p99_ms": "p99 latency", "error_rate": "error rate"}
    absent = [label for field, label in names.items() if getattr(stats, field) is None]
    found = [f"{summaries.listing(absent, 3)} not measured"] if absent else []
    if stats.share_of_service is None:
        found.append("the share of its service's requests that run it is unknown")
    return found


def hot_functions(
    session: Session, limit: int = 20, service: str | None = None, path_prefix: str | None = None
) -> dict[str, Any]:
    """list_hot_functions: the busiest functions of the repository, measured first, then those
    whose traffic is only inferred from their callers (marked), filtered by service and path."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit {limit}: pass 1 to {MAX_LIMIT}")
    loaded = session.snapshot()
    prepared = loaded.prepared
    services = sorted(s.name for s in prepared.measured().services)
    if service is not None and service not in services:
        raise InputError(
            f"service {service!r} is not in the snapshot; its services are {', '.join(services) or 'none'}"
        )
    prefix = session.relative(path_prefix) if path_prefix else None
    code = session.code_index(session.repo, session.worktree(), session.patterns).graph
    production = session.settings.is_production
    excluded = reach.non_production(code.functions, code.edges, production)

    def wanted(path: str, where: str | None, runs_in: tuple[str, ...] = ()) -> bool:
        return (prefix is None or path.startswith(prefix)) and (
            service is None or service == where or service in runs_in
        )

    measured, elsewhere = [], 0
    for qualname, stats in prepared.functions.items():
        if stats is None or stats.calls_per_min is None:
            continue
        span = code.functions.get(qualname)
        if span is None or qualname in excluded:
            elsewhere += 1
            continue
        if wanted(span[0], stats.service, stats.services):
            measured.append(_row(qualname, span, stats.calls_per_min, stats.service, "measured", stats))
    reverse = reach.callers_of(code.edges)
    rates, homes = prepared.rates, loaded.runtime.homes()
    inferred = []
    for qualname, span in code.functions.items():
        if qualname in rates or qualname in excluded:
            continue
        guess = reach.infer(qualname, reverse, rates, homes, excluded)
        if guess is not None and wanted(span[0], guess.service):
            row = _row(qualname, span, guess.calls_per_min, guess.service, "inferred", None)
            row["inferred"] = {"confidence": guess.confidence, "callers": len(guess.callers)}
            row["inferred"]["unknown_callers"] = guess.unknown_callers
            inferred.append(row)
    ordered = sorted(measured, key=_busiest) + sorted(inferred, key=_busiest)
    rows = ordered[:limit]
    snapshot = _snapshot(loaded, session)
    return {
        "summary": summaries.text(
            _hot_sentences(rows, len(measured), len(inferred), elsewhere, service, prefix, snapshot)
        ),
        "functions": rows,
        "measured": len(measured),
        "inferred": len(inferred),
        "not_in_repository": elsewhere,
        "snapshot": snapshot,
        "unknowns": [u for u in [summaries.stale(snapshot)] if u],
    }


def _row(
    qualname: str,
    span: tuple[str, int, int],
    calls: float,
    service: str | None,
    basis: str,
    stats: RuntimeStats | None,
) -> dict[str, Any]:
    path, start, end = span
    module = sources.module_name(path)
    return {
        "qualname": qualname,
        "function": f"{path}::{qualname.removeprefix(module + '.')}",
        "path": path,
        "lines": {"start": start, "end": end},
        "calls_per_min": calls,
        "basis": basis,
        "service": service,
        "share_of_service": stats.share_of_service if stats else None,
        "p50_ms": stats.p50_ms if stats else None,
        "p99_ms": stats.p99_ms if stats else None,
        "error_rate": stats.error_rate if stats else None,
        "endpoints": list(stats.endpoints) if stats else [],
        "slos": [slo.name for slo in stats.slos] if stats else [],
        "inferred": None,
    }


def _busiest(row: dict[str, Any]) -> tuple[float, str]:
    return -row["calls_per_min"], row["qualname"]


def _snapshot(loaded: Any, session: Session) -> dict[str, Any] | None:
    from preflight.report import document

    return document.runtime_fields(loaded.prepared.runtime_info(str(loaded.location), session.now()))


def _hot_sentences(
    rows: list[dict[str, Any]],
    measured: int,
    inferred: int,
    elsewhere: int,
    service: str | None,
    prefix: str | None,
    snapshot: dict[str, Any] | None,
) -> list[str | None]:
    n = summaries.name
    scope = "".join(
        (f" in the service {n(service)}" if service else "", f" under {n(prefix)}" if prefix else "")
    )
    if not rows:
        first = f"No function of the repository{scope} has runtime data or traffic inferred from its callers"
    else:
        top = [f"{n(r['qualname'])} ({summaries.rate(r['calls_per_min'])}/min)" for r in rows]
        first = f"The busiest functions{scope}: {summaries.listing(top)}"
    counts = (
        f"{measured} function{'s' * (measured != 1)} with measured traffic, then {inferred} whose traffic "
        "is only inferred from their callers (basis: inferred)"
    )
    left = (
        f"{elsewhere} busy name{'s' * (elsewhere != 1)} of the snapshot {'are' if elsewhere != 1 else 'is'} not a "
        "production function of this repository and left out"
        if elsewhere
        else None
    )
    advice = (
        "Changes to these run most often in production: call get_function_context before changing one"
        if rows
        else None
    )
    return [first, counts, left, summaries.freshness(snapshot), advice]

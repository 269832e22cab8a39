"""simulate_fault: what breaks, and which SLOs burn, when a function or a service fails.

The prediction is `preflight simulate`'s (the same service graph, faults, trials and seed): the
answer names the --inject specs, so a person can run the same simulation.
"""

from __future__ import annotations

import shlex
from typing import Any

from preflight.changes import sources
from preflight.commands import simulate
from preflight.errors import InputError
from preflight.mcp import summaries
from preflight.mcp.session import Session
from preflight.report import document

TRIALS = 10_000
SEED = 0
"""simulate's defaults: the same numbers as `preflight simulate` without --trials and --seed."""


def simulate_fault(
    session: Session, target: str, error_rate: float | None = None, added_latency_ms: float | None = None
) -> dict[str, Any]:
    """Inject errors and/or latency at a function (PATH::QUALNAME, weighted by the share of its
    service's requests that run it) or at a whole service; every affected service and SLO."""
    from preflight import propagation

    if error_rate is None and added_latency_ms is None:
        raise InputError(
            "nothing to inject: pass error_rate (a fraction, e.g. 0.1) and/or added_latency_ms (e.g. 200)"
        )
    if error_rate is not None and not 0 < error_rate <= 1:
        raise InputError(
            f"error_rate {error_rate}: pass a fraction of executions above 0 and at most 1, e.g. 0.1"
        )
    if added_latency_ms is not None and not added_latency_ms > 0:
        raise InputError(f"added_latency_ms {added_latency_ms}: pass milliseconds above 0, e.g. 200")
    loaded = session.snapshot()
    where, described = _target(session, loaded.prepared, target)
    specs = []
    if error_rate is not None:
        specs.append(f"{where}:error={error_rate}")
    if added_latency_ms is not None:
        specs.append(f"{where}:latency={_decimal(added_latency_ms)}ms")
    faults = [propagation.parse(spec) for spec in specs]
    impact = simulate.predict(faults, loaded.prepared, None, session.settings, TRIALS, SEED)
    fields = document.impact_fields(impact)
    snapshot = document.runtime_fields(loaded.prepared.runtime_info(str(loaded.location), session.now()))
    burning = [s for s, found in zip(fields["slos"], impact.slos, strict=True) if found.burns]
    answer = {
        "target": described,
        "injected": specs,
        "trials": TRIALS,
        "seed": SEED,
        "services": [s for s in fields["services"] if s["affected"]],
        "unaffected_services": [s["service"] for s in fields["services"] if not s["affected"]],
        "slos": burning,
        "slos_not_burning": [s["name"] for s in fields["slos"] if s not in burning],
        "assumptions": fields["assumptions"],
        "command": " ".join(
            ["preflight simulate --snapshot", shlex.quote(str(loaded.location))]
            + [f"--inject {shlex.quote(spec)}" for spec in specs]
            + ["--format json"]
        ),
        "snapshot": snapshot,
        "unknowns": [u for u in [summaries.stale(snapshot)] if u],
    }
    return {"summary": summaries.text(_sentences(answer, error_rate, added_latency_ms)), **answer}


def _target(session: Session, prepared: Any, target: str) -> tuple[str, dict[str, Any]]:
    """(SERVICE or SERVICE:QUALNAME as --inject names it, the target described)."""
    services = sorted(s.name for s in prepared.measured().services)
    if "::" not in target:
        if target not in services:
            raise InputError(
                f"{target!r} is neither a function (PATH::QUALNAME, e.g. shop/cart.py::Cart.add) nor a "
                f"service of the snapshot ({', '.join(services) or 'it has none'})"
            )
        return target, {"kind": "service", "service": target, "function": None, "share_of_requests": None}
    change = session.function(target)
    stats = prepared.functions.get(change.qualname)
    service = stats.service if stats is not None else None
    if service is None:
        raise InputError(
            f"no runtime data for {change.qualname}: which service runs it, and how often, is unknown; "
            f"simulate a fault at a service instead (one of {', '.join(services) or 'none'})"
        )
    share = prepared.runs_per_request(service, change.qualname)
    if share is None:
        raise InputError(
            f"the share of {service}'s requests that run {change.qualname} is unknown (the snapshot has no "
            f"requests of {service} to compare with); simulate a fault at the service instead: target {service!r}"
        )
    module = sources.module_name(change.path)
    described = {
        "kind": "function",
        "service": service,
        "function": f"{change.path}::{change.qualname.removeprefix(module + '.')}",
        "share_of_requests": share,
    }
    return f"{service}:{change.qualname}", described


def _decimal(value: float) -> str:
    """A number as --inject reads it: digits and a point, never an exponent."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _sentences(answer: dict[str, Any], error_rate: float | None, latency: float | None) -> list[str | None]:
    n = summaries.name
    target = answer["target"]
    what = " and ".join(
        part
        for part in (
            f"{summaries.share(error_rate)} errors" if error_rate is not None else "",
            f"{_decimal(latency)} ms of added latency" if latency is not None else "",
        )
        if part
    )
    if target["kind"] == "function":
        first = (
            f"Simulated {what} in {n(target['function'])}, which runs in "
            f"{summaries.share(target['share_of_requests'])} of {n(target['service'])}'s requests"
            if target["share_of_requests"] <= 1
            else f"Simulated {what} in {n(target['function'])}, which runs "
            f"{target['share_of_requests']:.1f} times per request of {n(target['service'])}"
        )
    else:
        first = f"Simulated {what} in every request of the service {n(target['service'])}"
    affected = [
        f"{n(s['service'])} (errors {summaries.share(s['error_rate']['before'])} to "
        f"{summaries.share((s['error_rate']['after'] or {}).get('median'))})"
        for s in answer["services"]
    ]
    reach = (
        f"Affected: {summaries.listing(affected, 4)}"
        if affected
        else "No service is predicted to be affected"
    )
    slos = [
        f"{n(s['name'])} (burn rate {_times((s['burn_rate'] or {}).get('median'))}, {summaries.breach(s)})"
        for s in answer["slos"]
    ]
    burn = (
        f"SLOs burning: {summaries.listing(slos)}" if slos else "No SLO of the snapshot is predicted to burn"
    )
    assumed = f"Assumed: {n(answer['assumptions'][0])}" if answer["assumptions"] else None
    return [first, reach, burn, summaries.freshness(answer["snapshot"]), assumed]


def _times(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.1f}x"

"""The blast radius as a Mermaid flowchart: where the change runs, what a fault in it reaches.

Services are coloured by the share of simulations in which they are affected. The change node
names the functions whose faults were injected and points at the services they were injected
in; every other service drawn is reached by arrows along the call chain the fault travelled
(each at-risk SLO's critical path, each affected service's path), so no affected service floats
without the edge that reached it. Latency is written with its digits (0.034 ms, not 0.0 ms) and
as unknown when it is. Every
label comes from telemetry or the diff, so it is reduced to a safe alphabet and the rest is
written as Mermaid entity codes (`#35;`): nothing can close the label, the code fence, or
smuggle a link or HTML into the comment.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from preflight.models import CheckResult, ServiceImpact
from preflight.report.text import breach_chance

MAX_SERVICES = 25
MAX_LABEL = 60
MAX_NAMES = 3
"""Injected functions named in the change node; the rest are counted."""
_SAFE = re.compile(r"[A-Za-z0-9 _./=()%+-]")
LEVELS = ((0.8, "critical"), (0.5, "high"), (0.2, "medium"), (0.0, "low"))
STYLES = {
    "critical": "fill:#f8d7da,stroke:#b02a37,color:#000",
    "high": "fill:#ffe5d0,stroke:#c2410c,color:#000",
    "medium": "fill:#fff3cd,stroke:#a16207,color:#000",
    "low": "fill:#e2e8f0,stroke:#475569,color:#000",
    "change": "fill:#dbeafe,stroke:#1d4ed8,color:#000",
    "slo": "fill:#ffffff,stroke:#6b21a8,color:#000",
}


def label(text: str) -> str:
    """Text that is inert inside a quoted Mermaid label."""
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "…"
    return "".join(c if _SAFE.fullmatch(c) else f"#{ord(c)};" for c in text)


def level(probability: float) -> str:
    """critical, high, medium or low for the share of simulations a service is affected in."""
    return next(name for floor, name in LEVELS if probability >= floor)


def blast_radius(result: CheckResult) -> str | None:
    """The flowchart's source (without the fence), or None when nothing was simulated or reached."""
    impact = result.impact
    if impact is None:
        return None
    by_name = {s.service: s for s in impact.services}
    injected = _injected(impact.faults)
    at_risk = [s for s in impact.slos if s.burns]
    affected = sorted((s for s in impact.services if s.affected), key=lambda s: -s.affected_probability)
    # every chain starts at an injected service: a node is drawn only with the edges that reach it
    chains = [
        *((name,) for name in injected),
        *(s.critical_path for s in at_risk if s.critical_path),
        *(s.path for s in affected if s.path),
    ]
    shown: list[str] = []
    drawn: list[tuple[str, ...]] = []
    for chain in chains:
        new = [name for name in dict.fromkeys(chain) if name not in shown]
        if any(name not in by_name for name in chain) or len(shown) + len(new) > MAX_SERVICES:
            continue  # a chain is drawn whole or not at all
        shown += new
        drawn.append(chain)
    if not shown:
        return None
    ids = {name: f"s{i}" for i, name in enumerate(shown)}
    lines = ["flowchart LR", f'  change(["{_change_label(result, injected)}"]):::change']
    lines += [
        f'  {ids[name]}["{_service_label(by_name[name])}"]:::{level(by_name[name].affected_probability)}'
        for name in shown
    ]
    edges = [f"  change --> {ids[name]}" for name in injected if name in ids]
    for chain in drawn:
        for a, b in itertools.pairwise(chain):
            edge = f"  {ids[a]} --> {ids[b]}"
            if edge not in edges:
                edges.append(edge)
    lines += edges
    for i, slo in enumerate(at_risk[:MAX_SERVICES]):
        if slo.service in ids:
            chance = f" P(breach) {breach_chance(slo)}" if slo.breach_probability is not None else ""
            lines.append(f'  slo{i}{{{{"SLO {label(slo.name)}{chance}"}}}}:::slo')
            lines.append(f"  {ids[slo.service]} -.-> slo{i}")
    hidden = len({s.service for s in affected} - set(shown))
    if hidden:
        lines.append(f'  more["… {hidden} more affected services"]:::low')
        lines.append("  change -.- more")
    lines += [f"  classDef {name} {style}" for name, style in STYLES.items()]
    return "\n".join(lines)


def _injected(faults: Sequence[str]) -> dict[str, list[str]]:
    """Injected service -> the functions injected there, from `service[:function]:kind=value` specs."""
    found: dict[str, list[str]] = {}
    for spec in faults:
        service, *function, _kind = spec.partition("=")[0].split(":")
        names = found.setdefault(service, [])
        if function and function[0] not in names:
            names.append(function[0])
    return found


def _change_label(result: CheckResult, injected: dict[str, list[str]]) -> str:
    """The functions whose faults were injected (a service-level fault: the changed functions)."""
    names = list(dict.fromkeys(name for names in injected.values() for name in names))
    if not names:
        names = [f.change.qualname for f in result.exposure.functions if f.change.behavioural]
    shown = [label(name) for name in names[:MAX_NAMES]]
    more = [f"+{len(names) - MAX_NAMES} more"] if len(names) > MAX_NAMES else []
    return "<br/>".join(["changed:", *shown, *more]) if shown else "changed code"


def duration(ms: float | None) -> str:
    """Milliseconds for a reader: unknown when unknown, and small values with their digits (a
    0.034 ms function is not `0.0 ms`)."""
    if ms is None:
        return "unknown"
    if abs(ms) >= 100:
        return f"{ms:.0f} ms"
    return f"{ms:.1f} ms" if abs(ms) >= 1 else f"{ms:.2g} ms"


def _service_label(s: ServiceImpact) -> str:
    door = " (front door)" if s.front_door else ""
    errors = f"errors {s.error_rate_before:.1%} to {s.error_rate_after.median:.1%}"
    after = s.p90_ms_after.median if s.p90_ms_after is not None else None
    p90 = (
        f"p90 {duration(s.p90_ms_before)} to {duration(after)}"
        if s.p90_ms_before is not None
        else "p90 unknown"
    )
    return f"{label(s.service)}{door}<br/>{label(errors)}<br/>{label(p90)}<br/>affected in {s.affected_probability:.0%}"

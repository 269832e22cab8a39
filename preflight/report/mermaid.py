"""The blast radius as a Mermaid flowchart: where the change runs, what a fault in it reaches.

Services are coloured by the share of simulations in which they are affected; arrows follow
each at-risk SLO's critical path from the changed code's service to the SLO's service. Every
label comes from telemetry or the diff, so it is reduced to a safe alphabet and the rest is
written as Mermaid entity codes (`#35;`): nothing can close the label, the code fence, or
smuggle a link or HTML into the comment.
"""

from __future__ import annotations

import itertools
import re

from preflight.models import CheckResult, ServiceImpact

MAX_SERVICES = 25
MAX_LABEL = 60
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
    sources = sorted({f.service for f in result.exposure.functions if f.change.behavioural and f.service})
    at_risk = [s for s in impact.slos if s.burns]
    paths = [s.critical_path for s in at_risk if s.critical_path]
    wanted = [*sources, *(name for path in paths for name in path)]
    wanted += [
        s.service for s in sorted(impact.services, key=lambda s: -s.affected_probability) if s.affected
    ]
    shown: list[str] = []
    for name in wanted:
        if name not in shown and name in by_name and len(shown) < MAX_SERVICES:
            shown.append(name)
    if not shown:
        return None
    ids = {name: f"s{i}" for i, name in enumerate(shown)}
    changed = [f.change.qualname for f in result.exposure.functions if f.change.behavioural and f.service]
    more = f" +{len(changed) - 1} more" if len(changed) > 1 else ""
    lines = [
        "flowchart LR",
        f'  change(["changed: {label(changed[0]) if changed else "code"}{more}"]):::change',
    ]
    lines += [
        f'  {ids[name]}["{_service_label(by_name[name])}"]:::{level(by_name[name].affected_probability)}'
        for name in shown
    ]
    edges: list[str] = [f"  change --> {ids[name]}" for name in sources if name in ids]
    for path in paths:
        for a, b in itertools.pairwise(path):
            edge = f"  {ids[a]} --> {ids[b]}" if a in ids and b in ids else ""
            if edge and edge not in edges:
                edges.append(edge)
    lines += edges
    for i, slo in enumerate(at_risk[:MAX_SERVICES]):
        if slo.service in ids:
            chance = f" P(breach) {slo.breach_probability:.0%}" if slo.breach_probability is not None else ""
            lines.append(f'  slo{i}{{{{"SLO {label(slo.name)}{chance}"}}}}:::slo')
            lines.append(f"  {ids[slo.service]} -.-> slo{i}")
    hidden = len({s.service for s in impact.services if s.affected} - set(shown))
    if hidden:
        lines.append(f'  more["… {hidden} more affected services"]:::low')
    lines += [f"  classDef {name} {style}" for name, style in STYLES.items()]
    return "\n".join(lines)


def _service_label(s: ServiceImpact) -> str:
    door = " (front door)" if s.front_door else ""
    errors = f"errors {s.error_rate_before:.1%} to {s.error_rate_after.median:.1%}"
    return f"{label(s.service)}{door}<br/>{label(errors)}<br/>affected in {s.affected_probability:.0%}"

"""Who reaches a function (entry points, with one shortest call path each) and what traffic
it can inherit from its callers when it has no runtime data of its own.

Inference rule (documented in the README): a function without runtime data is estimated at
the sum of its direct callers' calls/min, each caller counted once per execution. It is an
upper bound when the call is conditional and an underestimate when a caller calls it in a
loop, so it is marked `inferred` with a confidence: medium when every direct caller has
runtime data, low when only some do, and no estimate at all when none does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import replace

from preflight.models import Exposure, InferredTraffic, ReachRoute

MAX_ENTRY_POINTS = 5


def callers_of(edges: Mapping[str, frozenset[str]]) -> dict[str, set[str]]:
    """The reversed graph: callee -> callers."""
    reverse: dict[str, set[str]] = {}
    find = reverse.get
    for caller, callees in edges.items():
        for callee in callees:
            known = find(callee)
            if known is None:
                reverse[callee] = {caller}
            else:
                known.add(caller)
    return reverse


def routes(
    function: str,
    reverse: Mapping[str, set[str]],
    entries: Mapping[str, Sequence[str]],
    limit: int = MAX_ENTRY_POINTS,
) -> tuple[ReachRoute, ...]:
    """Entry points reaching function, nearest first, each with one shortest path (breadth-first)."""
    parent: dict[str, str | None] = {function: None}
    queue = deque([function])
    found: list[ReachRoute] = []
    while queue and len(found) < limit:
        node = queue.popleft()
        for label in entries.get(node, ()):
            found.append(ReachRoute(node, label, _path(node, parent)))
            if len(found) >= limit:
                break
        for caller in sorted(reverse.get(node, ())):
            if caller not in parent:
                parent[caller] = node
                queue.append(caller)
    return tuple(found)


def _path(entry: str, parent: Mapping[str, str | None]) -> tuple[str, ...]:
    path = [entry]
    while (step := parent[path[-1]]) is not None:
        path.append(step)
    return tuple(path)


def infer(
    function: str,
    reverse: Mapping[str, set[str]],
    known: Mapping[str, float],
    homes: Mapping[str, str] | None = None,
) -> InferredTraffic | None:
    """Calls/min from the direct callers' runtime data, or None when no caller has any;
    homes (function -> service) names the service of the busiest caller with data."""
    callers = sorted(c for c in reverse.get(function, ()) if c != function)
    with_data = tuple((c, known[c]) for c in callers if c in known)
    if not with_data:
        return None
    unknown = len(callers) - len(with_data)
    busiest = max(with_data, key=lambda pair: pair[1])[0]  # the first of equals: callers are sorted
    return InferredTraffic(
        calls_per_min=sum(rate for _, rate in with_data),
        confidence="medium" if unknown == 0 else "low",
        callers=with_data,
        unknown_callers=unknown,
        service=(homes or {}).get(busiest),
    )


def label(kind: str, framework: str, detail: str) -> str:
    """How an entry point is invoked, for people: `GET /cart/<id>`, `celery task sync`, ..."""
    if kind in ("http", "main"):
        return detail
    noun = {"cli": "command", "grpc": "method"}.get(kind, kind)
    return " ".join(part for part in (framework, noun, detail) if part)


def attach(
    exposure: Exposure,
    edges: Mapping[str, frozenset[str]],
    entries: Mapping[str, Sequence[str]],
    rates: Mapping[str, float],
    homes: Mapping[str, str] | None = None,
) -> Exposure:
    """Each changed function with the entry points that reach it, its number of callers and,
    lacking runtime data, the traffic inferred from its callers (and their service, from homes)."""
    reverse = callers_of(edges)
    items = []
    for item in exposure.functions:
        name = item.change.qualname
        if item.change.new_lines is None:  # removed: not in the head's graph
            items.append(item)
            continue
        inferred = infer(name, reverse, rates, homes) if item.calls_per_min is None else None
        callers = len(reverse.get(name, set()) - {name})
        items.append(replace(item, routes=routes(name, reverse, entries), inferred=inferred, callers=callers))
    return replace(exposure, functions=tuple(items))

"""Who reaches a function (entry points, with one shortest call path each) and what traffic
it can inherit from its callers when it has no runtime data of its own.

Inference rule (docs/callgraph.md#in-preflight-check): a function without runtime data is estimated at
the sum of its direct callers' calls/min, each caller counted once per execution. It is an
upper bound when the call is conditional and an underestimate when a caller calls it in a
loop, so it is marked `inferred` with a confidence: medium when every direct caller has
runtime data, low when only some do, and no estimate at all when none does.

Non-production code (tests, docs, examples, ...: config.Config.is_production) is left out
here, at query time, so the cached graph stays the same whatever the base's policy says:
its functions are never callers, never on a path, never entry points and never a source
of inferred traffic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace

from preflight.models import ChangeKind, Exposure, InferredTraffic, ReachRoute

NONE: frozenset[str] = frozenset()
UPDATED_KINDS = frozenset({ChangeKind.MODIFIED, ChangeKind.ADDED})
"""A caller changed in these ways was updated with the change: its call is not at risk."""

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


def non_production(
    functions: Mapping[str, tuple[str, int, int]],
    nodes: Collection[str],
    is_production: Callable[[str], bool],
) -> NonProduction:
    """The functions and modules among nodes (and every function) whose file is not production.

    A function's file is in the graph; a module's is the file of its functions, or, for a module
    without any, its dotted name as a path (`pkg.mod` -> `pkg/mod.py` or `pkg/mod/__init__.py`).
    """
    return NonProduction(functions, nodes, is_production)


class NonProduction(AbstractSet[str]):
    """non_production's set, each name decided when asked (memoized by file): a check asks about
    the callers of a few functions, a graph has hundreds of thousands of names."""

    def __init__(
        self,
        functions: Mapping[str, tuple[str, int, int]],
        nodes: Collection[str],
        is_production: Callable[[str], bool],
    ) -> None:
        self._functions, self._nodes, self._is_production = functions, nodes, is_production
        self._outside: dict[str, bool] = {}
        self._modules: dict[str, str] | None = None

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        span = self._functions.get(name)
        if span is not None:
            return self._file_outside(span[0])
        if name not in self._nodes:
            return False
        if self._modules is None:
            from preflight.changes.sources import module_name

            files = {path for path, _, _ in self._functions.values()}  # far fewer files than functions
            self._modules = {module_name(path): path for path in files}
        path = self._modules.get(name)
        if path is not None:
            return self._file_outside(path)
        stem = name.replace(".", "/")
        return not (self._is_production(stem + ".py") and self._is_production(stem + "/__init__.py"))

    def _file_outside(self, path: str) -> bool:
        found = self._outside.get(path)
        if found is None:
            found = self._outside[path] = not self._is_production(path)
        return found

    def __iter__(self) -> Iterator[str]:
        yield from (name for name in self._functions if name in self)
        yield from (name for name in self._nodes if name not in self._functions and name in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def routes(
    function: str,
    reverse: Mapping[str, set[str]],
    entries: Mapping[str, Sequence[str]],
    limit: int = MAX_ENTRY_POINTS,
    excluded: Collection[str] = NONE,
) -> tuple[ReachRoute, ...]:
    """Entry points reaching function, nearest first, each with one shortest path (breadth-first),
    through no excluded (non-production) caller."""
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
            if caller not in parent and caller not in excluded:
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
    excluded: Collection[str] = NONE,
) -> InferredTraffic | None:
    """Calls/min from the direct (production) callers' runtime data, or None when no caller has
    any; homes (function -> service) names the service of the busiest caller with data."""
    callers = sorted(c for c in reverse.get(function, ()) if c != function and c not in excluded)
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
    excluded: Collection[str] = NONE,
) -> Exposure:
    """Each changed function with the entry points that reach it, its callers at risk and,
    lacking runtime data, the traffic inferred from its callers (and their service, from homes).

    excluded names non-production functions and modules: they are left out of all three and
    counted (callers_left_out). Callers the change itself modified or added are not at risk
    (updated with it) and are counted apart (callers_updated); they still carry traffic.
    """
    reverse = callers_of(edges)
    entries = {name: labels for name, labels in entries.items() if name not in excluded}
    updated = {f.change.qualname for f in exposure.functions if f.change.kind in UPDATED_KINDS}
    items = []
    left_out: set[str] = set()
    for item in exposure.functions:
        name = item.change.qualname
        if item.change.new_lines is None:  # removed: not in the head's graph
            items.append(item)
            continue
        inferred = infer(name, reverse, rates, homes, excluded) if item.calls_per_min is None else None
        callers = reverse.get(name, set()) - {name}
        outside = {caller for caller in callers if caller in excluded}
        left_out |= outside
        production = callers - outside
        changed = production & updated
        items.append(
            replace(
                item,
                routes=routes(name, reverse, entries, excluded=excluded),
                inferred=inferred,
                callers=len(production) - len(changed),
                callers_left_out=len(outside),
                callers_updated=len(changed),
            )
        )
    return replace(exposure, functions=tuple(items), callers_left_out=len(left_out))

"""The whole-program fixed point: which values every slot may hold, and so what every call reaches.

Values are short tagged strings:

    f:Q  function Q          b:Q|R  method Q bound to receiver R (an o: or c: value)
    c:C  class C             o:C    an instance of class C
    m:M  repository module   x:N    a name outside the repository (`requests.get`, `<builtin>.len`)
    z:N  a member of an outside class, reached through a class of ours (`threading.Thread.start`):
         called, an edge to N; its own attributes are not followed (they would be names of data)
    k:S  list-like whose elements are in slot S;  d:S dict whose values are in S;  p:S its items()
    y:N|V  method N of container V   u:C|R  `super()` in class C for receiver R

A worklist drives it: evaluating a constraint records the slots it read and wrote, and a
slot that grows re-queues only the constraints that read it. Each evaluation reads one
state and its additions are applied when it ends, and re-queued constraints are taken in
id order, so the work done (and so where widening happens) never depends on string hashing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from preflight.callgraph.calls import Calls
from preflight.callgraph.members import MAX_VALUES, TOO_MANY
from preflight.callgraph.program import Constraint, Program
from preflight.callgraph.state import SolverState


def _ours(values: set[str]) -> int:
    """How many things of the repository values name: names outside it (`x:`, `z:`) cost little
    to carry and call nothing of ours, and a method bound to several receivers is one callee
    (a visitor's `getattr(self, f"visit_{...}")` over all its subclasses), so neither counts
    towards widening."""
    return len(
        {value.split("|", 1)[0] if value[0] == "b" else value for value in values if value[0] not in "xz"}
    )


class Widened(Exception):
    """A slot was widened while `stop_on_widening` was set (the incremental solver's signal)."""


class Solver(Calls):
    """Runs the worklist over a program and a state (empty, or kept from an earlier run)."""

    def __init__(self, program: Program, state: SolverState, stop_on_widening: bool = False) -> None:
        super().__init__(program, state)
        self._queued = bytearray(len(program.constraints))
        self._work: deque[int] = deque()
        self._stop = stop_on_widening
        self.evaluated: set[int] = set()
        self.widened_here = False
        """A slot was widened (or written again once widened) by this solver's work."""

    def queue(self, indexes: Iterable[int]) -> None:
        """Add constraints to the work, in id order."""
        queued, work = self._queued, self._work
        for index in sorted(indexes):
            if index >= 0 and not queued[index]:
                queued[index] = 1
                work.append(index)

    def iterate(self) -> None:
        """Evaluate until no slot grows."""
        constraints = self.program.constraints
        work, queued = self._work, self._queued
        evaluated = self.evaluated
        while work:
            index = work.popleft()
            queued[index] = 0
            constraint = constraints[index]
            if constraint is None:
                continue
            self._current = index
            evaluated.add(index)
            if len(constraint) == 7:
                self._call(index, constraint)
            else:
                self._assign(index, constraint)
            self._flush(index)

    def _flush(self, index: int) -> None:
        state = self.state
        if self._found:
            edges = state.edges.get(index)
            if edges is None:
                edges = state.edges[index] = set()
            edges |= self._found
            self._found = set()
            if self._found_external:
                external = state.external.get(index)
                if external is None:
                    external = state.external[index] = set()
                external |= self._found_external
                self._found_external = set()
        out = self._out
        if not out:
            return
        self._out = {}
        slots, readers = self._slots, self._readers
        second = self.second
        grown: set[int] = set()
        wrote = state.writes.get(index)
        if wrote is None:
            state.writes[index] = set(out)
        else:
            wrote.update(out)
        for slot, values in out.items():
            known = slots.get(slot)
            if known is None:
                known = slots[slot] = values
                if second:
                    state.extra[slot] = set(values)
            elif "*" in known:
                continue
            else:
                size = len(known)
                if second:
                    new = values - known
                    if new:
                        state.extra.setdefault(slot, set()).update(new)
                known |= values
                if len(known) == size:
                    continue
            if "*" in known or (len(known) > MAX_VALUES and _ours(known) > MAX_VALUES):
                if second and "*" not in known:
                    extra = state.extra.get(slot)
                    if extra is not None and len(extra) >= len(known):
                        extra.add("*")  # widened with the second phase's values only (see SolverState.extra)
                known.clear()
                known.add("*")
                state.widened = self.widened_here = True
                if self._stop:
                    raise Widened(slot)
            found = readers.get(slot)
            if found:
                grown |= found
        if grown:
            self.queue(grown)

    def discard(self) -> None:
        """Forget what an evaluation outside the worklist added (it repeats a constraint's own)."""
        self._out = {}
        self._found = set()
        self._found_external = set()

    def _assign(self, index: int, assign: Constraint) -> None:
        target = assign[1]
        kind = target[0]
        if kind == "seed" and (not self.second or index not in self.state.seeded):
            return
        values = self.ev(assign[2])
        if kind == "e":  # `obj[k] = v`: a container's element, or an instance's __setitem__
            for base in self.ev(target[1]):
                if base[0] in "kd":
                    if values:
                        self.add(base[2:], values)
                elif base[0] == "o":
                    self.dunder(base, "__setitem__", set(), values)
            return
        if kind == "-" or not values:
            return
        if kind == "s" or kind == "seed":
            self.add(target[1], values)
        elif kind == "a":
            for base in self.ev(target[1]):
                if base[0] in "oc":  # instance and class attributes live in the class's namespace
                    self.add(f"{base[2:]}.{target[2]}", values)

    def _call(self, index: int, call: Constraint) -> None:
        _, callee, args, keywords = call[:4]
        if callee[0] == "P":
            self.protocol(index, call)
            return
        callees = self.ev(callee)
        if not callees or callees == TOO_MANY:
            return
        self.state.called.add(index)
        arguments: list[set[str] | frozenset[str] | None] = [None] * len(args)
        result: set[str] = set()
        for value in callees:
            self.apply(call, value, arguments, result)
        for position, expr in enumerate(args):  # an argument may read a property
            if arguments[position] is None and expr[0] == "a":
                self.ev(expr)
        for _, expr in keywords:
            if expr[0] == "a":
                self.ev(expr)
        if result:
            self.add(call[5], result)

"""The whole-program fixed point: which values every slot may hold, and so what every call reaches.

Values are short tagged strings:

    f:Q  function Q          b:Q|R  method Q bound to receiver R (an o: or c: value)
    c:C  class C             o:C    an instance of class C
    m:M  repository module   x:N    a name outside the repository (`requests.get`, `<builtin>.len`)
    k:S  list-like whose elements are in slot S;  d:S dict whose values are in S;  p:S its items()
    y:N|V  method N of container V   u:C|R  `super()` in class C for receiver R   l:  a lambda

A worklist drives it: evaluating a constraint records the slots it read and wrote, and a
slot that grows re-queues only the constraints that read it. Each evaluation reads one
state and its additions are applied when it ends, and re-queued constraints are taken in
id order, so the work done (and so where widening happens) never depends on string hashing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from preflight.callgraph.file_summary import KEYWORD, POSITIONAL, Expr
from preflight.callgraph.members import MAX_VALUES, TOO_MANY, Members
from preflight.callgraph.program import Constraint, Program
from preflight.callgraph.state import SolverState

# External callables that return (a wrapper of) their first argument.
_PASS_FIRST = frozenset(
    {
        "functools.partial",
        "functools.wraps",
        "<builtin>.staticmethod",
        "<builtin>.classmethod",
        "<builtin>.property",
    }
)
_ELEMENT_METHODS = frozenset({"get", "pop", "setdefault", "__getitem__", "popitem"})
_STORE_LAST = frozenset({"append", "add", "insert", "setdefault", "appendleft"})
_STORE_ALL = frozenset({"extend", "update", "extendleft"})


class Widened(Exception):
    """A slot was widened while `stop_on_widening` was set (the incremental solver's signal)."""


class Solver(Members):
    """Runs the worklist over a program and a state (empty, or kept from an earlier run)."""

    def __init__(self, program: Program, state: SolverState, stop_on_widening: bool = False) -> None:
        super().__init__(program, state)
        self._queued = bytearray(len(program.constraints))
        self._work: deque[int] = deque()
        self._stop = stop_on_widening
        self.evaluated: set[int] = set()

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
            if len(known) > MAX_VALUES or "*" in known:
                known.clear()
                known.add("*")
                state.widened = True
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
        if kind == "-" or not values:
            return
        if kind == "s" or kind == "seed":
            self.add(target[1], values)
        elif kind == "a":
            for base in self.ev(target[1]):
                if base[0] in "oc":  # instance and class attributes live in the class's namespace
                    self.add(f"{base[2:]}.{target[2]}", values)
        elif kind == "e":
            for base in self.ev(target[1]):
                if base[0] in "kd":
                    self.add(base[2:], values)

    def _call(self, index: int, call: Constraint) -> None:
        _, callee, args, keywords = call[:4]
        callees = self.ev(callee)
        if not callees or callees == TOO_MANY:
            return
        self.state.called.add(index)
        arguments: list[set[str] | frozenset[str] | None] = [None] * len(args)
        result: set[str] = set()
        for value in callees:
            kind = value[0]
            if kind == "f":
                self._invoke(call, value[2:], None, arguments, result)
            elif kind == "b":
                function, receiver = value[2:].split("|", 1)
                self._invoke(call, function, receiver, arguments, result)
            elif kind == "c" or kind == "o":
                if kind == "c":
                    result.add("o" + value[1:])
                receiver = "o" + value[1:]
                for method in self.member(
                    value[2:], "__init__" if kind == "c" else "__call__", receiver, True
                ):
                    if method[0] == "b":
                        self._invoke(call, method[2:].split("|", 1)[0], receiver, arguments, result)
            elif kind == "x":
                self.edge(value[2:], external=True)
                if value[2:] in _PASS_FIRST and args:
                    result |= self.ev(args[0])
            elif kind == "y":
                self._container_method(args, value, result)
        for position, expr in enumerate(args):  # an argument may read a property
            if arguments[position] is None and expr[0] == "a":
                self.ev(expr)
        for _, expr in keywords:
            if expr[0] == "a":
                self.ev(expr)
        if result:
            self.add(call[5], result)

    def _invoke(
        self,
        call: Constraint,
        function: str,
        receiver: str | None,
        arguments: list[set[str] | frozenset[str] | None],
        result: set[str],
    ) -> None:
        """An edge to function, with the call's arguments flowing into its parameters."""
        self.edge(function)
        definition = self.program.functions.get(function)
        if definition is None:
            return
        args, keywords = call[2], call[3]
        positional = [name for name, kind in definition.params if kind == POSITIONAL]
        if receiver is not None and positional:
            self.add(f"{function}.{positional[0]}", {receiver})
            positional = positional[1:]
        for position, name in enumerate(positional[: len(args)]):
            values = arguments[position]
            if values is None:
                values = arguments[position] = self.ev(args[position])
            if values:
                self.add(f"{function}.{name}", values)
        if keywords:
            names = {name for name, kind in definition.params if kind in (POSITIONAL, KEYWORD)}
            for name, expr in keywords:
                if name in names:
                    values = self.ev(expr)
                    if values:
                        self.add(f"{function}.{name}", values)
        result |= self.read(f"{function}#return")

    def _container_method(self, args: tuple[Expr, ...], value: str, result: set[str]) -> None:
        """Built-in container methods: no edge, but elements flow in and out."""
        name, container = value[2:].split("|", 1)
        slot = container[2:]
        if name in _ELEMENT_METHODS:
            result |= self.read(slot)
        elif name == "values" and container[0] == "d":
            result.add("k:" + slot)
        elif name == "items" and container[0] == "d":
            result.add("p:" + slot)
        elif name == "copy":
            result.add(container)
        if name in _STORE_LAST and args:
            self.add(slot, self.ev(args[-1]))
        elif name in _STORE_ALL and args:
            self.add(slot, self.ev(("v", args[0]) if container[0] == "d" else ("n", args[0])))

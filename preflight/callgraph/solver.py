"""The whole-program fixed point: which values every slot may hold, and so what every call reaches.

Values are short tagged strings:

    f:Q  function Q          b:Q|R  method Q bound to receiver R (an o: or c: value)
    c:C  class C             o:C    an instance of class C
    m:M  repository module   x:N    a name outside the repository (`requests.get`, `<builtin>.len`)
    k:S  list-like whose elements are in slot S;  d:S dict whose values are in S;  p:S its items()
    y:N|V  method N of container V   u:C|R  `super()` in class C for receiver R   l:  a lambda

A worklist drives it: evaluating a constraint records the slots it read, and a
slot that grows re-queues only the constraints that read it, so each constraint
is re-evaluated only when one of its inputs changed.
"""

from __future__ import annotations

from collections import deque

from preflight.callgraph.members import TOO_MANY, Members
from preflight.callgraph.model import KEYWORD, POSITIONAL, Assign, Call
from preflight.callgraph.program import Program

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


class Solver(Members):
    """Solves one program; `edges`, `external` and `unresolved` hold the answer after `run`."""

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        self._constraints: list[Assign | Call] = [*program.assigns, *program.calls]
        self._seeds = [
            i for i, c in enumerate(self._constraints) if isinstance(c, Assign) and c.target[0] == "seed"
        ]
        self._queued = bytearray(b"\x01" * len(self._constraints))
        for index in self._seeds:
            self._queued[index] = 0
        self._work: deque[int] = deque(i for i in range(len(self._constraints)) if self._queued[i])
        self._called: set[int] = set()
        self.edges: dict[str, set[str]] = {}
        self.external: set[str] = set()
        self.unresolved: dict[str, int] = {}

    def run(self) -> None:
        """Iterate to the fixed point, then count the call sites that reached nothing.

        `self` is first what call sites pass (so `super()` in a base follows the real
        receiver); only a method that no resolved call reaches with a known receiver
        then gets an instance of its own class, and the iteration resumes.
        """
        self._iterate()
        self.final = True
        self.requeue(
            {i for i, c in enumerate(self._constraints) if isinstance(c, Assign) and c.value[0] == "w"}
        )
        for index in self._seeds:
            seed = self._constraints[index]
            assert isinstance(seed, Assign)
            if seed.target[1] not in self._slots:
                self._current = index
                self.add(seed.target[1], self.ev(seed.value))
        self._iterate()
        self._current = -1
        for index, constraint in enumerate(self._constraints):
            if isinstance(constraint, Call) and index not in self._called:
                reason = self.reason(constraint.callee)
                self.unresolved[reason] = self.unresolved.get(reason, 0) + 1

    def _iterate(self) -> None:
        constraints = self._constraints
        work, queued = self._work, self._queued
        while work:
            index = work.popleft()
            queued[index] = 0
            self._current = index
            constraint = constraints[index]
            self._caller = constraint.scope
            if isinstance(constraint, Call):
                self._call(index, constraint)
            else:
                self._assign(constraint)

    def requeue(self, readers: set[int]) -> None:
        queued, work = self._queued, self._work
        for index in readers:
            if not queued[index]:
                queued[index] = 1
                work.append(index)

    def edge(self, callee: str, external: bool = False) -> None:
        targets = self.edges.get(self._caller)
        if targets is None:
            targets = self.edges[self._caller] = set()
        targets.add(callee)
        if external:
            self.external.add(callee)

    def _assign(self, assign: Assign) -> None:
        values = self.ev(assign.value)
        target = assign.target
        kind = target[0]
        if kind == "-" or not values:
            return
        if kind == "s":
            self.add(target[1], values)
        elif kind == "a":
            for base in self.ev(target[1]):
                if base[0] in "oc":  # instance and class attributes live in the class's namespace
                    self.add(f"{base[2:]}.{target[2]}", values)
        elif kind == "e":
            for base in self.ev(target[1]):
                if base[0] in "kd":
                    self.add(base[2:], values)

    def _call(self, index: int, call: Call) -> None:
        callees = self.ev(call.callee)
        if not callees or callees == TOO_MANY:
            return
        self._called.add(index)
        arguments: list[set[str] | frozenset[str] | None] = [None] * len(call.args)
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
                if value[2:] in _PASS_FIRST and call.args:
                    result |= self.ev(call.args[0])
            elif kind == "y":
                self._container_method(call, value, result)
        for position, expr in enumerate(call.args):  # an argument may read a property
            if arguments[position] is None and expr[0] == "a":
                self.ev(expr)
        for _, expr in call.keywords:
            if expr[0] == "a":
                self.ev(expr)
        if result:
            self.add(call.result, result)

    def _invoke(
        self,
        call: Call,
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
        positional = [name for name, kind in definition.params if kind == POSITIONAL]
        if receiver is not None and positional:
            self.add(f"{function}.{positional[0]}", {receiver})
            positional = positional[1:]
        for position, name in enumerate(positional[: len(call.args)]):
            values = arguments[position]
            if values is None:
                values = arguments[position] = self.ev(call.args[position])
            if values:
                self.add(f"{function}.{name}", values)
        if call.keywords:
            names = {name for name, kind in definition.params if kind in (POSITIONAL, KEYWORD)}
            for name, expr in call.keywords:
                if name in names:
                    values = self.ev(expr)
                    if values:
                        self.add(f"{function}.{name}", values)
        result |= self.read(f"{function}#return")

    def _container_method(self, call: Call, value: str, result: set[str]) -> None:
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
        if name in _STORE_LAST and call.args:
            self.add(slot, self.ev(call.args[-1]))
        elif name in _STORE_ALL and call.args:
            self.add(slot, self.ev(("v", call.args[0]) if container[0] == "d" else ("n", call.args[0])))

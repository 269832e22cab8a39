"""What a call does once its callee has values: arguments flow into parameters, returns flow out,
and the calls Python makes on the caller's behalf (protocol methods, builtins that call back).

Protocol call sites (callee `("P", name, expr)`, written by the summarizer) stand for calls the
language makes: `for` and comprehensions call `__iter__` then `__next__` (`async for`: the
`a` versions), `with` calls `__enter__` and `__exit__`, `raise Cls` instantiates Cls. Each
finds methods of repository classes only; a container or an outside object gives no edge.
Iterating a generator object runs the generator's body, so it is an edge to the generator.
"""

from __future__ import annotations

from preflight.callgraph.file_summary import KEYWORD, POSITIONAL, Expr
from preflight.callgraph.members import Members
from preflight.callgraph.names import EMPTY, Values
from preflight.callgraph.program import Constraint

Arguments = list[set[str] | frozenset[str] | None]

# External callables that return (a wrapper of) their first argument.
_PASS_FIRST = frozenset(
    {
        "functools.partial",
        "functools.update_wrapper",
        "<builtin>.staticmethod",
        "<builtin>.classmethod",
        "<builtin>.property",
    }
)
_PASS_SECOND = frozenset({"typing.cast", "typing_extensions.cast"})
_ELEMENT_METHODS = frozenset({"get", "pop", "setdefault", "__getitem__", "popitem"})
_STORE_LAST = frozenset({"append", "add", "insert", "setdefault", "appendleft"})
_STORE_ALL = frozenset({"extend", "update", "extendleft"})
_REST, _ALL = -1, -2
"""In the tables below: every argument after the callback (map's iterables); every argument."""
Callback = tuple[int | None, str | None, tuple[int, ...], bool]
"""Where the function argument is (position, keyword), the arguments whose elements each call
passes it, and whether what it returns is what the call returns (reduce)."""
_CALLBACKS: dict[str, Callback] = {
    "<builtin>.map": (0, None, (_REST,), False),
    "<builtin>.filter": (0, None, (1,), False),
    "<builtin>.sorted": (None, "key", (0,), False),
    "<builtin>.min": (None, "key", (0,), False),
    "<builtin>.max": (None, "key", (0,), False),
    "functools.reduce": (0, None, (1, 1), True),
    "functools.cmp_to_key": (0, None, (), False),
    "itertools.filterfalse": (0, None, (1,), False),
    "itertools.takewhile": (0, None, (1,), False),
    "itertools.dropwhile": (0, None, (1,), False),
    "itertools.starmap": (0, None, (), False),
    "itertools.groupby": (1, "key", (0,), False),
    "itertools.accumulate": (1, "func", (0, 0), False),
    "heapq.nsmallest": (None, "key", (1,), False),
    "heapq.nlargest": (None, "key", (1,), False),
    "re.sub": (1, None, (), False),
    "re.subn": (1, None, (), False),
}
"""External callables (implemented in C: no frame between) that call a function argument on the
caller's behalf."""
_SORT_KEY: Callback = (None, "key", (), False)
_ITERATING: dict[str, tuple[int, ...]] = {
    "<builtin>.list": (0,),
    "<builtin>.tuple": (0,),
    "<builtin>.set": (0,),
    "<builtin>.frozenset": (0,),
    "<builtin>.sorted": (0,),
    "<builtin>.sum": (0,),
    "<builtin>.min": (0,),
    "<builtin>.max": (0,),
    "<builtin>.any": (0,),
    "<builtin>.all": (0,),
    "<builtin>.enumerate": (0,),
    "<builtin>.zip": (_ALL,),
    "<builtin>.map": (_REST,),
    "<builtin>.filter": (1,),
}
"""Builtins that iterate arguments (by position): an instance's `__iter__` and `__next__` run."""
_STEPS = {"<builtin>.iter": "__iter__", "<builtin>.next": "__next__"}
_DUNDERS = {
    "<builtin>.len": "__len__",
    "<builtin>.str": "__str__",
    "<builtin>.print": "__str__",
    "<builtin>.repr": "__repr__",
    "<builtin>.format": "__format__",
    "<builtin>.hash": "__hash__",
    "<builtin>.bool": "__bool__",
    "<builtin>.abs": "__abs__",
    "<builtin>.reversed": "__reversed__",
}
"""Builtins that call a method of their (instance) argument, or of every one for print."""
_NEXT = {"__iter__": "__next__", "__aiter__": "__anext__"}
_EXIT = {"__enter__": "__exit__", "__aenter__": "__aexit__"}
_LOOPS = {"for": "__iter__", "async for": "__aiter__"}
_SPECIAL = frozenset((*_PASS_FIRST, *_PASS_SECOND, *_CALLBACKS, *_ITERATING, *_STEPS, *_DUNDERS))
"""Every outside callable some rule above is about (the others only get their edge)."""
GENERATOR = "#yield"
"""The slot suffix of a generator's elements: a `k:Q#yield` value is a generator object of Q."""


class Calls(Members):
    """Applying callee values to a call site's arguments (see solver.py for the value tags)."""

    def apply(self, call: Constraint, value: str, arguments: Arguments, result: set[str]) -> None:
        """Call one callee value with the call site's arguments; what it returns goes to result."""
        kind = value[0]
        if kind == "f":
            self.invoke(call, value[2:], None, arguments, result)
        elif kind == "b":
            function, receiver = value[2:].split("|", 1)
            self.invoke(call, function, receiver, arguments, result)
        elif kind == "c" or kind == "o":
            if kind == "c":
                result.add("o" + value[1:])
            receiver = "o" + value[1:]
            name = "__init__" if kind == "c" else "__call__"
            if not self.program.binds(value[2:], name)[0]:
                return  # the class and its bases of ours define none: nothing of ours runs
            for method in self.member(value[2:], name, receiver, True):
                if method[0] == "b":
                    self.invoke(call, method[2:].split("|", 1)[0], receiver, arguments, result)
        elif kind == "z":
            self.edge(value[2:], external=True)
        elif kind == "x":
            name = value[2:]
            self.edge(name, external=True)
            if name not in _SPECIAL:
                return
            args = call[2]
            if name in _PASS_FIRST and args:
                result |= self.ev(args[0])
            elif name in _PASS_SECOND and len(args) > 1:
                result |= self.ev(args[1])
            if name in _CALLBACKS:
                self.callback(call, _CALLBACKS[name])
            if name in _ITERATING:
                for expr in _pick(args, _ITERATING[name]):
                    self.loop(call, self.ev(expr), "__iter__", set())
            elif name in _STEPS and args:
                for item in self.ev(args[0]):
                    self.step(call, item, _STEPS[name], result)
            elif name in _DUNDERS:
                for expr in args if name == "<builtin>.print" else args[:1]:
                    for item in self.ev(expr):
                        if item[0] == "o":
                            self.step(call, item, self.spelled(item[2:], _DUNDERS[name]), set())
        elif kind == "y":
            self.container_method(call, value, result)

    def invoke(
        self,
        call: Constraint,
        function: str,
        receiver: str | None,
        arguments: Arguments,
        result: set[str],
    ) -> None:
        """An edge to function, with the call's arguments flowing into its parameters."""
        self.edge(function)
        definition = self.program.functions.get(function)
        if definition is None:
            return
        args, keywords = call[2], call[3]
        given = self.program.identities().get(function, EMPTY)
        passed: dict[str, Values] = {}
        positional = self.program.positional(function)
        if receiver is not None and positional:
            self.add(f"{function}.{positional[0]}", {receiver})
            if positional[0] in given:
                passed[positional[0]] = {receiver}
            positional = positional[1:]
        for position, name in enumerate(positional[: len(args)]):
            values = arguments[position]
            if values is None:
                values = arguments[position] = self.ev(args[position])
            if values:
                self.add(f"{function}.{name}", values)
            if name in given:
                passed[name] = values
        if keywords:
            names = {name for name, kind in definition.params if kind in (POSITIONAL, KEYWORD)}
            for name, expr in keywords:
                if name in names:
                    values = self.ev(expr)
                    if values:
                        self.add(f"{function}.{name}", values)
                    if name in given:
                        passed[name] = values
        result |= self.read(f"{function}#return")
        if given:  # `return param`: this call's argument (every caller's when it does not name it)
            if len(passed) < len(given):
                result |= self.read(f"{function}#pass")
            for values in passed.values():
                result |= values

    def container_method(self, call: Constraint, value: str, result: set[str]) -> None:
        """Built-in container methods: no edge, but elements flow in and out (`sort` calls its key)."""
        args = call[2]
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
        elif name == "sort" and container[0] == "k":
            self.callback(call, _SORT_KEY, ("n", ("k", slot)))
        if name in _STORE_LAST and args:
            self.add(slot, self.ev(args[-1]))
        elif name in _STORE_ALL and args:
            self.add(slot, self.ev(("v", args[0]) if container[0] == "d" else ("n", args[0])))

    def callback(self, call: Constraint, where: Callback, element: Expr = ()) -> None:
        """A function argument that the callee calls on the caller's behalf: an edge from the
        caller, with elements of the other arguments as its arguments."""
        position, keyword, sources, returns = where
        args, keywords = call[2], call[3]
        found = [expr for name, expr in keywords if name == keyword]
        if not found and position is not None and len(args) > position:
            found = [args[position]]
        if not found:
            return
        passed = (element,) if element else tuple(("n", expr) for expr in _pick(args, sources, position))
        inner = (call[0], None, passed, (), False, call[5], call[6])
        returned: set[str] = set()
        for value in self.ev(found[0]):
            if value[0] in "fbco":  # a repository callable (an outside one calls nothing of ours)
                self.apply(inner, value, [None] * len(passed), returned)
        if returned and returns:
            self.add(call[5], returned)

    def protocol(self, index: int, call: Constraint) -> None:
        """A protocol call site: the methods the language calls for `for`, `with` and `raise`."""
        _, name, target = call[1]
        result: set[str] = set()
        values = self.ev(target)
        if name in _LOOPS:
            for value in values:
                self.loop(call, {value}, _LOOPS[name], result)
        elif name in _EXIT:
            for value in values:
                if value[0] == "o" and self.defines(value[2:], name):
                    self.step(call, value, name, result)
                else:  # not ours: most context managers return themselves
                    result.add(value)
                if value[0] == "o":
                    self.step(call, value, _EXIT[name], set())
        elif name == "raise":
            for value in values:
                if value[0] in "cxz":
                    self.apply(call, value, [], set())
        else:  # `del obj[k]`: obj's __delitem__
            for value in values:
                self.step(call, value, name, result)
        if result:
            self.add(call[5], result)

    def loop(self, call: Constraint, values: Values, protocol: str, result: set[str]) -> None:
        """Iterating values: `__iter__`, then `__next__` on what it returns."""
        for value in values:
            if value[0] == "o":
                iterators: set[str] = set()
                self.step(call, value, protocol, iterators)
                for iterator in iterators:
                    self.step(call, iterator, _NEXT[protocol], result)
            elif value[0] == "k" and value.endswith(GENERATOR):
                self.edge(value[2 : -len(GENERATOR)])

    def spelled(self, cls: str, name: str) -> str:
        """The method that str(), print() or format() of an instance calls: `__str__`, or
        `__repr__` (object's `__str__` calls it) when only that is defined, in classes of ours alone."""
        if name in ("__str__", "__format__") and not self.defines(cls, name):
            mro = self.program.mro.get(cls) or (cls,)
            if not any(entry.startswith("x:") for entry in mro) and self.defines(cls, "__repr__"):
                return "__repr__"
        return name

    def step(self, call: Constraint, value: str, name: str, result: set[str]) -> None:
        """One protocol method called on value (`iter(x)`, `next(x)`): an instance's method of
        ours; a container is its own iterator and gives its elements; a generator runs."""
        if value[0] == "o":
            if not self.program.binds(value[2:], name)[0]:
                return
            bare = (call[0], None, (), (), False, call[5], call[6])  # the language passes no arguments
            for method in self.member(value[2:], name, value, True):
                if method[0] == "b":
                    self.invoke(bare, method[2:].split("|", 1)[0], value, [], result)
        elif value[0] == "k":
            if name in _NEXT:  # iter() of a container: an iterator over the same elements
                result.add(value)  # (of a generator: itself, and its body does not run yet)
            else:
                if value.endswith(GENERATOR):  # next() runs the generator's body
                    self.edge(value[2 : -len(GENERATOR)])
                result |= self.read(value[2:])


def _pick(args: tuple[Expr, ...], positions: tuple[int, ...], after: int | None = 0) -> list[Expr]:
    """The arguments at positions (_REST: every one after `after`)."""
    out: list[Expr] = []
    for position in positions:
        if position == _REST:
            out += args[(after or 0) + 1 :]
        elif position == _ALL:
            out += args
        elif position < len(args):
            out.append(args[position])
    return out

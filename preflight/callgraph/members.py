"""Evaluating expressions to values: names, imports, attributes through C3 MROs, containers.

Every rule is monotone (more values in, never fewer out), so the fixed point is one and
the same whatever order the solver works in. The few rules that need "nothing is known"
(an undecided decorator, a lookup reaching an external base, an uncalled method's `self`)
are decided once, on the first fixed point, and applied in a second phase.
"""

from __future__ import annotations

from preflight.callgraph.file_summary import CLASSMETHOD, FUNCTION, METHOD, POSITIONAL, PROPERTY, STATIC, Expr
from preflight.callgraph.names import EMPTY, Names, Values
from preflight.callgraph.program import Program
from preflight.callgraph.state import Slots, SolverState

_MAX_EXTERNAL_DEPTH = 6
_CONTAINER_METHODS = frozenset(
    name
    for kind in (list, dict, set, tuple, frozenset)
    for name in dir(kind)
    if not name.startswith("__") or name in ("__getitem__", "__setitem__", "__contains__", "__iter__")
) | {"send", "throw", "close", "appendleft", "extendleft", "popleft"}
"""What a list, dict, set, tuple (or a generator, a deque) has: any other attribute of one is nothing."""
_SELF = (("self", POSITIONAL),)
_SPELLED = frozenset({"a", "g", "I", "m"})
"""Expressions whose outside names are spelled out (`os.path.join`): only their attributes are named.
An outside name that reached a variable is data (a function or class passed around): naming its
attributes, and theirs through loops like `node = node.parent`, would multiply names without end."""
# A slot that may hold more values of the repository than this (a utility's parameter fed from
# everywhere) is widened to TOO_MANY: calls through it are counted as unresolved, not fanned out.
MAX_VALUES = 128
TOO_MANY: frozenset[str] = frozenset({"*"})


class Members(Names):
    """Slots and their readers, and the lookups that read them (see solver.py for the value tags)."""

    def __init__(self, program: Program, state: SolverState) -> None:
        self.program = program
        self.state = state
        self._slots: Slots = state.slots
        self._readers = state.readers
        self._current = -1
        """The constraint being evaluated: every slot read makes it a reader."""
        self._out: dict[str, set[str]] = {}
        """Values the current evaluation adds, applied when it ends: it reads one state only."""
        self._found: set[str] = set()
        self._found_external: set[str] = set()
        self.second = False
        """In the second phase (see the module docstring)."""
        self.known: set[str] | frozenset[str] = EMPTY
        """The slots with values at the first fixed point (used in the second phase)."""
        self.candidates: dict[str, Expr] = {}
        """Decorator results seen without a decorator value in the first phase -> the decorator."""
        self.external_lookups: set[int] = set()
        """Constraints whose lookups reached an external base in the first phase."""
        self._members: dict[tuple[str, str, str, bool, str | None], tuple[list[int], frozenset[str]]] = {}
        """Lookups by (class, name, receiver, ...): the sizes of the slots they read and what they
        found (slots only grow while a phase runs: same sizes, same values; see forget_lookups)."""
        self._impure = False
        """A getter ran during the lookup being made (it has effects: not cached)."""

    def forget_lookups(self) -> None:
        """Slots may have lost values (between the phases of a resumed solve): cached lookups go."""
        self._members = {}

    def read(self, slot: str) -> Values:
        readers = self._readers.get(slot)
        if readers is None:
            self._readers[slot] = {self._current}
        else:
            readers.add(self._current)
        return self._slots.get(slot, EMPTY)

    def add(self, slot: str, values: Values) -> None:
        if values:
            pending = self._out.get(slot)
            if pending is None:
                self._out[slot] = set(values)
            else:
                pending |= values

    def edge(self, callee: str, external: bool = False) -> None:
        self._found.add(callee)
        if external:
            self._found_external.add(callee)

    def ev(self, expr: Expr) -> Values:
        """The values an expression may have."""
        kind = expr[0]
        if kind == "s":
            return self.read(expr[1])
        if kind == "a":
            out: set[str] = set()
            spelled = expr[1][0] in _SPELLED
            for value in self.ev(expr[1]):
                if value[0] != "x" or spelled:  # see _SPELLED
                    out |= self.attribute(value, expr[2])
            return out
        if kind == "g":
            return self.global_(expr[1], expr[2])
        if kind in ("f", "c", "o", "k", "d"):
            return {f"{kind}:{expr[1]}"}
        if kind == "I":
            return self.imported(expr[1], expr[2])
        if kind == "m":
            return self.module(expr[1])
        if kind == "tuple":
            return self.ev(expr[2])
        if kind == "|":
            out = set()
            for item in expr[1]:
                out |= self.ev(item)
            return out
        if kind in ("e", "n", "e1", "v"):
            return self.elements(kind, self.ev(expr[1]))
        if kind == "u":
            return {f"u:{expr[1]}|{value}" for value in self.ev(expr[2]) if value[0] in "oc"}
        if kind == "w":
            return self.decorated(expr)
        if kind == "t":
            return self.declared(expr[1])
        if kind == "A":
            out = set()
            for value in self.ev(expr[1]):
                if value[0] in "oc":
                    for name in self.program.prefixed(value[2:], expr[2]):
                        out |= self.member(value[2:], name, value, value[0] == "o")
            return out
        return EMPTY

    def declared(self, types: tuple[Expr, ...]) -> Values:
        """Instances of the classes an annotation names, and of their subclasses (a seed's value)."""
        out: set[str] = set()
        for item in types:
            holds = item[0] if item[0] in ("[", "{") else ""
            for value in self.ev(item[1] if holds else item):
                if value[0] == "c":
                    self.read("cone:" + value[2:])  # a new subclass changes it (see tables.py)
                    cone = self.program.cone(value[2:])
                    if holds:  # a container of them: its elements are a slot of their own
                        slot = "decl:" + value[2:]
                        self.add(slot, cone)
                        out.add(("k:" if holds == "[" else "d:") + slot)
                    else:
                        out |= cone
        return out

    def decorated(self, expr: Expr) -> Values:
        """A decorated name: what our decorator returns, the definition itself for any other
        decorator, and the definition if the decorator has no value at the first fixed point."""
        decorators = self.ev(expr[1])
        out: set[str] = set()
        if any(value[0] in "fbco" for value in decorators):
            out |= self.read(expr[2])
        if any(value[0] not in "fbco" for value in decorators):
            out |= self.ev(expr[3])
        if not decorators and not self.second:
            self.read("?w:" + expr[2])
            self.candidates[expr[2]] = expr[1]
        elif self.second and expr[2] in self.state.undecided:
            self.read("?w:" + expr[2])
            out |= self.ev(expr[3])
        return out

    def elements(self, kind: str, containers: Values) -> Values:
        out: set[str] = set()
        for value in containers:
            tag = value[0]
            if (
                (tag == "k" and kind in ("e", "n"))
                or (tag == "d" and kind in ("e", "v"))
                or (tag == "p" and kind == "e1")
            ):
                out |= self.read(value[2:])
            elif kind == "e1" and tag == "k":  # pairs in a list: no positions kept, any item
                for item in self.read(value[2:]):
                    if item[0] == "k":
                        out |= self.read(item[2:])
            elif tag == "o" and kind == "e":  # `obj[key]` calls its class's __getitem__
                self.dunder(value, "__getitem__", out)
            elif (
                tag == "c" and kind == "e"
            ):  # `Cls[int]`: a generic alias, called like Cls; `Color["RED"]`: a member
                enum = any(entry.startswith("x:enum.") for entry in self.program.mro.get(value[2:], ()))
                out.add("o" + value[1:] if enum else value)
        return out

    def dunder(self, receiver: str, name: str, out: set[str], argument: Values = EMPTY) -> None:
        """A method of the receiver's class that the language calls (`obj[k]`, descriptors):
        an edge, receiver as self, argument as the last parameter, what it returns into out."""
        if not self.program.binds(receiver[2:], name)[0]:
            return  # no class of ours defines it: nothing of ours runs
        for method in self.member(receiver[2:], name, receiver, True):
            if method[0] == "b":
                function = method[2:].split("|", 1)[0]
                self._getter(function, receiver, out)
                definition = self.program.functions.get(function)
                if argument and definition is not None and len(definition.params) > 1:
                    self.add(f"{function}.{definition.params[-1][0]}", argument)

    def defines(self, cls: str, name: str) -> bool:
        """A repository class in cls's MRO binds name before any outside base (from the tables)."""
        return self.program.binds(cls, name)[1]

    def attribute(self, value: str, name: str) -> Values:
        kind = value[0]
        if kind == "*":
            return TOO_MANY
        if kind == "o" or kind == "c":
            if name == "__class__":  # `obj.__class__`: the class itself
                return {"c" + value[1:]}
            return self.member(value[2:], name, value, kind == "o")
        if kind == "m":
            return self.module_attribute(value[2:], name)
        if kind == "z":  # an outside class's member: what it holds is not known (see solver.py)
            return EMPTY
        if kind == "x":
            # `node = node.parent` on an outside value would grow names without end
            return {f"{value}.{name}"} if value.count(".") < _MAX_EXTERNAL_DEPTH else EMPTY
        if kind == "u":
            start, receiver = value[2:].split("|", 1)
            return self.member(receiver[2:], name, receiver, receiver[0] == "o", start)
        if kind == "k" or kind == "d" or kind == "p":
            return {f"y:{name}|{value}"} if name in _CONTAINER_METHODS else EMPTY
        return EMPTY

    def member(self, cls: str, name: str, receiver: str, instance: bool, after: str | None = None) -> Values:
        """name looked up on class cls (or an instance of it) along its MRO, bound to receiver.

        An external base may define the name: it is named there (`z:Base.name`) only when no
        class before it held a value for name at the first fixed point.
        """
        slots, external = self.program.lookup(cls, name, after)
        readers, current, known = self._readers, self._current, self._slots
        sizes = []
        filled = False
        for slot in slots:  # read them all (the evaluation depends on them), and see how full
            found = readers.get(slot)
            if found is None:
                readers[slot] = {current}
            else:
                found.add(current)
            values = known.get(slot)
            if values is None:
                sizes.append(-1)
            else:
                filled = True
                sizes.append(-2 if "*" in values else len(values))
        out: Values = EMPTY
        if filled:  # else no class on the way holds the name (yet): nothing to bind
            key = (cls, name, receiver, instance, after)
            cached = self._members.get(key)
            if cached is not None and cached[0] == sizes:
                out = cached[1]  # a frozenset: callers only read what a lookup gives
            else:
                found_values: set[str] = set()
                bind = self._bind
                outer, self._impure = self._impure, False
                for slot in slots:
                    for value in known.get(slot, EMPTY):
                        bind(value, receiver, instance, found_values)
                out = frozenset(found_values)
                if not self._impure:  # no getter ran: the same slots give the same result
                    self._members[key] = (sizes, out)
                self._impure = self._impure or outer
        if external is None:
            return out
        if not self.second:
            self.external_lookups.add(self._current)
            return out
        for slot in slots:  # the decision reads what the first fixed point knew of them
            self.read("?k:" + slot)
        if not any(slot in self.known for slot in slots):
            return out | {f"z:{external[2:]}.{name}"}
        return out

    def _bind(self, value: str, receiver: str, instance: bool, out: set[str]) -> None:
        """What a function found in a class becomes when looked up through receiver."""
        definition = self.program.functions.get(value[2:]) if value[0] == "f" else None
        kind = definition.kind if definition is not None else None
        if definition is None or kind == STATIC:
            if value[0] == "o" and self.defines(value[2:], "__get__"):  # a descriptor: its __get__ runs
                self.dunder(value, "__get__", out)
            else:
                out.add(value)
        elif kind == CLASSMETHOD:
            out.add(f"b:{value[2:]}|c:{receiver[2:]}")
        elif instance and (kind == METHOD or (kind == FUNCTION and definition.params[:1] == _SELF)):
            # a decorator's wrapper (`def wrapper(self, ...)`) binds as the method it replaced;
            # other plain functions may be instance attributes (callbacks), which do not bind
            out.add(f"b:{value[2:]}|{receiver}")
        elif kind == PROPERTY and instance:  # reading a property calls its getter
            self._getter(value[2:], receiver, out)
        else:
            out.add(value)

    def _getter(self, function: str, receiver: str, out: set[str]) -> None:
        """A method the language calls on an attribute read (a property, a descriptor's __get__)."""
        self._impure = True
        self.edge(function)
        definition = self.program.functions.get(function)
        if definition is not None and definition.params:
            self.add(f"{function}.{definition.params[0][0]}", {receiver})
        out |= self.read(f"{function}#return")

    def reason(self, callee: Expr) -> str:
        """Why a call site reached nothing, from the shape of what it calls."""
        if "*" in self.ev(callee):
            return "too many possible values"
        kind = callee[0]
        if kind == "a":
            return "attribute of unknown object" if not self.ev(callee[1]) else "attribute not found"
        if kind == "g":
            return "star import" if self.program.stars.get(callee[1]) else "undefined name"
        if kind == "s":
            slot = callee[1]
            if "#r" in slot:
                return "result of unknown call"
            return (
                "parameter of unknown value" if slot in self.program.params else "variable of unknown value"
            )
        if kind in ("e", "n", "e1", "v"):
            return "element of unknown container"
        return "dynamic call"

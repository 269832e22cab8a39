"""Evaluating expressions to values: names, imports, attributes through C3 MROs, containers."""

from __future__ import annotations

from preflight.callgraph.model import CLASSMETHOD, METHOD, PROPERTY, STATIC, Expr
from preflight.callgraph.program import BUILTINS, Program

_EMPTY: frozenset[str] = frozenset()
Values = set[str] | frozenset[str]
_MAX_EXTERNAL_DEPTH = 6
# A slot that may hold more values than this (a utility's parameter fed from everywhere) is
# widened to TOO_MANY: calls through it are counted as unresolved rather than fanned out.
MAX_VALUES = 128
TOO_MANY: frozenset[str] = frozenset({"*"})


class Members:
    """Slots and their readers, and the lookups that read them (see solver.py for the value tags)."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self._slots: dict[str, set[str]] = {}
        self._readers: dict[str, set[int]] = {}
        self._current = -1
        """The constraint being evaluated: every slot read makes it a reader."""
        self._caller = ""
        self._mro_cache: dict[str, tuple[list[str], set[str]]] = {}
        self._mro_slots: set[str] = set()
        self._mro_reads: set[str] | None = None
        self.final = False
        """Set after the first fixed point: what is still unknown stays unknown."""

    def requeue(self, readers: set[int]) -> None:  # pragma: no cover - the solver's
        raise NotImplementedError

    def edge(self, callee: str, external: bool = False) -> None:  # pragma: no cover - the solver's
        raise NotImplementedError

    def read(self, slot: str) -> Values:
        readers = self._readers.get(slot)
        if readers is None:
            readers = self._readers[slot] = set()
        readers.add(self._current)
        if self._mro_reads is not None:
            self._mro_reads.add(slot)
        return self._slots.get(slot, _EMPTY)

    def add(self, slot: str, values: Values) -> None:
        if not values:
            return
        known = self._slots.get(slot)
        if known is None:
            known = self._slots[slot] = set(values)
        elif "*" in known:
            return
        else:
            size = len(known)
            known |= values
            if len(known) == size:
                return
        if len(known) > MAX_VALUES or "*" in known:
            known.clear()
            known.add("*")
        readers = self._readers.get(slot)
        if readers:
            self.requeue(readers)
        if slot in self._mro_slots:
            self._mro_cache.clear()  # a base class changed: linearize again (rare, early)

    def ev(self, expr: Expr) -> Values:
        """The values an expression may have."""
        kind = expr[0]
        if kind == "s":
            return self.read(expr[1])
        if kind == "a":
            out: set[str] = set()
            for value in self.ev(expr[1]):
                out |= self.attribute(value, expr[2])
            return out
        if kind == "g":
            return self.global_(expr[1], expr[2])
        if kind in ("f", "c", "o", "k", "d"):
            return {f"{kind}:{expr[1]}"}
        if kind == "I":
            if f"{expr[1]}.{expr[2]}" in self.program.modules:  # `from . import m` in a package
                return {f"m:{expr[1]}.{expr[2]}"}
            if expr[1] in self.program.modules:
                return self.module_attribute(expr[1], expr[2], set())
            return {f"x:{expr[1]}.{expr[2]}" if expr[1] else f"x:{expr[2]}"}
        if kind == "m":
            return {("m:" if expr[1] in self.program.modules else "x:") + expr[1]}
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
        if kind == "l":
            return {"l:"}
        if kind == "w":  # a decorated name: what our decorator returns, or the definition itself
            decorators = self.ev(expr[1])
            if any(value[0] in "fbco" for value in decorators):
                return self.read(expr[2])
            # Undecided until the decorator is known or the first fixed point is reached:
            # deciding early would bind the undecorated function for good.
            return self.ev(expr[3]) if decorators or self.final else _EMPTY
        return _EMPTY

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
        return out

    def global_(self, module: str, name: str) -> Values:
        """A module-level name: the module's own, a star import's, or a builtin."""
        if name in self.program.module_names.get(module, _EMPTY):
            return self.read(f"{module}.{name}")
        for star in self.program.stars.get(module, ()):
            if star in self.program.module_files:
                found = self.module_attribute(star, name, {module})
                if found:
                    return found
        if name in BUILTINS:
            return {f"x:<builtin>.{name}"}
        return _EMPTY

    def module_attribute(self, module: str, name: str, seen: set[str]) -> Values:
        if name in self.program.module_names.get(module, _EMPTY):
            return self.read(f"{module}.{name}")
        submodule = f"{module}.{name}"
        if submodule in self.program.modules:
            return {"m:" + submodule}
        seen.add(module)
        for star in self.program.stars.get(module, ()):
            if star in self.program.module_files and star not in seen:
                found = self.module_attribute(star, name, seen)
                if found:
                    return found
        return _EMPTY

    def attribute(self, value: str, name: str) -> Values:
        kind = value[0]
        if kind == "*":
            return TOO_MANY
        if kind == "o" or kind == "c":
            return self.member(value[2:], name, value, kind == "o")
        if kind == "m":
            return self.module_attribute(value[2:], name, set())
        if kind == "x":
            # `node = node.parent` on an outside value would grow names without end
            return {f"{value}.{name}"} if value.count(".") < _MAX_EXTERNAL_DEPTH else _EMPTY
        if kind == "u":
            start, receiver = value[2:].split("|", 1)
            return self.member(receiver[2:], name, receiver, receiver[0] == "o", start)
        if kind == "k" or kind == "d" or kind == "p":
            return {f"y:{name}|{value}"}
        return _EMPTY

    def member(self, cls: str, name: str, receiver: str, instance: bool, after: str | None = None) -> Values:
        """name looked up on class cls (or an instance of it) along its MRO, bound to receiver."""
        mro = self.mro(cls)
        if after is not None:
            mro = mro[mro.index(after) + 1 :] if after in mro else []
        out: set[str] = set()
        for entry in mro:
            if entry.startswith("x:"):
                if not out:  # an external base may define it: name it there, do not guess further
                    out.add(f"{entry}.{name}")
                break
            for value in self.read(f"{entry}.{name}"):
                self._bind(value, receiver, instance, out)
            if name in self.program.class_names.get(entry, _EMPTY):
                break
        return out

    def _bind(self, value: str, receiver: str, instance: bool, out: set[str]) -> None:
        """What a function found in a class becomes when looked up through receiver."""
        definition = self.program.functions.get(value[2:]) if value[0] == "f" else None
        kind = definition.kind if definition is not None else None
        if definition is None or kind == STATIC:
            out.add(value)
        elif kind == CLASSMETHOD:
            out.add(f"b:{value[2:]}|c:{receiver[2:]}")
        elif kind == METHOD and instance:
            out.add(f"b:{value[2:]}|{receiver}")
        elif kind == PROPERTY and instance:  # reading a property calls its getter
            self.edge(value[2:])
            if definition.params:
                self.add(f"{value[2:]}.{definition.params[0][0]}", {receiver})
            out |= self.read(f"{value[2:]}#return")
        else:
            out.add(value)

    def mro(self, cls: str, visiting: set[str] | None = None) -> list[str]:
        """C3 linearization of a repository class; an external base ends its branch (x:name).

        Memoized per class, bases included: deep mixin hierarchies (Django's) would
        otherwise be linearized again under every subclass, exponentially.
        """
        cached = self._mro_cache.get(cls)
        if cached is None:
            outer, self._mro_reads = self._mro_reads, set()
            try:
                order = self._linearize(cls, visiting if visiting is not None else set())
                cached = self._mro_cache[cls] = (order, self._mro_reads)
                self._mro_slots |= self._mro_reads
            finally:
                if outer is not None:
                    outer |= self._mro_reads
                self._mro_reads = outer
        for slot in cached[1]:
            self.read(slot)
        return cached[0]

    def _linearize(self, cls: str, visiting: set[str]) -> list[str]:
        if cls in visiting or cls not in self.program.classes:
            return [cls]
        visiting.add(cls)
        bases: list[str] = []
        for expr in self.program.classes[cls]:
            for value in sorted(self.ev(expr)):
                base = value[2:] if value[0] == "c" else value if value[0] == "x" else None
                if base is not None and base not in bases and base != "x:<builtin>.object":
                    bases.append(base)
        sequences = [self.mro(b, visiting) if b[0] != "x" and b not in visiting else [b] for b in bases]
        visiting.discard(cls)
        return [cls, *_merge([*sequences, bases])]

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


def _merge(sequences: list[list[str]]) -> list[str]:
    """C3 merge; an inconsistent hierarchy falls back to first-seen order rather than failing."""
    result: list[str] = []
    sequences = [list(s) for s in sequences if s]
    while sequences:
        for sequence in sequences:
            head = sequence[0]
            if not any(head in s[1:] for s in sequences):
                break
        else:
            head = sequences[0][0]
        result.append(head)
        sequences = [s[1:] if s[0] == head else [x for x in s if x != head] for s in sequences]
        sequences = [s for s in sequences if s]
    return result

"""Class hierarchies, resolved before the fixed point: each class's bases and C3 MRO.

Bases are resolved from module- and class-level bindings alone (class statements, imports,
aliases, attributes of modules and classes), never from call results or parameters. The
MRO then cannot change while the solver runs, so an attribute lookup never depends on the
order in which the solver met the classes (a lookup through a half-known MRO could find a
method that the whole MRO shadows).
"""

from __future__ import annotations

from preflight.callgraph.file_summary import Expr
from preflight.callgraph.names import EMPTY, Names, Values
from preflight.callgraph.program import Program

_MAX_EXTERNAL_DEPTH = 6
_OBJECT = "x:<builtin>.object"


def linearize(program: Program) -> dict[str, tuple[str, ...]]:
    """Every class's MRO: repository classes by qualname, an external base as `x:name`."""
    bases = _Bindings(program).bases()
    done: dict[str, tuple[str, ...]] = {}
    for cls in sorted(bases):
        _mro(cls, bases, done, set())
    return done


def _mro(
    cls: str, bases: dict[str, list[str]], done: dict[str, tuple[str, ...]], visiting: set[str]
) -> tuple[str, ...]:
    known = done.get(cls)
    if known is not None:
        return known
    if cls in visiting or cls not in bases:  # a cycle, or a name that is not a class of ours
        return (cls,)
    visiting.add(cls)
    direct = bases[cls]
    sequences = [list(_mro(b, bases, done, visiting)) if b[0] != "x" else [b] for b in direct]
    visiting.discard(cls)
    order = done[cls] = (cls, *_merge([*sequences, list(direct)]))
    return order


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


class _Bindings(Names):
    """A small fixed point over module- and class-level bindings, computed only where bases need it."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self._sources: dict[str, list[Expr]] = {}
        for constraint in program.constraints:
            if constraint is not None and len(constraint) == 3 and constraint[1][0] == "s":
                slot = constraint[1][1]
                owner = slot.rpartition(".")[0]
                if "#" not in slot and (owner in program.module_files or owner in program.classes):
                    self._sources.setdefault(slot, []).append(constraint[2])
        self._values: dict[str, set[str]] = {}
        self._dependents: dict[str, set[str]] = {}
        self._pending: list[str] = []
        self._queued: set[str] = set()
        self._who = ""

    def bases(self) -> dict[str, list[str]]:
        """Class -> its direct bases (repository qualnames, or `x:` names), object left out."""
        for cls in self.program.classes:
            self._push("class:" + cls)
        while self._pending:
            item = self._pending.pop()
            self._queued.discard(item)
            self._who = item
            if item.startswith("class:"):
                for expr in self.program.classes[item[6:]]:
                    self.ev(expr)
                continue
            values = self._values[item]
            size = len(values)
            for expr in self._sources.get(item, ()):
                values |= self.ev(expr)
            if len(values) != size:
                for dependent in self._dependents.get(item, ()):
                    self._push(dependent)
        out: dict[str, list[str]] = {}
        for cls, exprs in self.program.classes.items():
            direct: list[str] = []
            for expr in exprs:
                for value in sorted(self.ev(expr)):
                    base = value[2:] if value[0] == "c" else value if value[0] == "x" else None
                    if base is not None and base not in direct and base != _OBJECT:
                        direct.append(base)
            out[cls] = direct
        return out

    def _push(self, item: str) -> None:
        if item not in self._queued:
            self._queued.add(item)
            self._pending.append(item)

    def read(self, slot: str) -> Values:
        if slot not in self._sources:
            return EMPTY
        values = self._values.get(slot)
        if values is None:
            values = self._values[slot] = set()
            self._push(slot)
        self._dependents.setdefault(slot, set()).add(self._who)
        return values

    def ev(self, expr: Expr) -> Values:
        kind = expr[0]
        if kind == "s":
            return self.read(expr[1])
        if kind == "g":
            return self.global_(expr[1], expr[2])
        if kind == "I":
            return self.imported(expr[1], expr[2])
        if kind == "m":
            return self.module(expr[1])
        if kind == "c":
            return {"c:" + expr[1]}
        if kind == "a":
            out: set[str] = set()
            name = expr[2]
            for value in self.ev(expr[1]):
                if value[0] == "m":
                    out |= self.module_attribute(value[2:], name)
                elif value[0] == "c":
                    out |= self.read(f"{value[2:]}.{name}")
                elif value[0] == "x" and value.count(".") < _MAX_EXTERNAL_DEPTH:
                    out.add(f"{value}.{name}")
            return out
        if kind == "w":  # a decorated class: decorators of classes return the class
            return self.ev(expr[3])
        if kind == "|":
            out = set()
            for item in expr[1]:
                out |= self.ev(item)
            return out
        return EMPTY

"""The static tables of a whole program: every module, function and class, merged from summaries."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from preflight.callgraph.file_summary import POSITIONAL, Expr, Function, RawSummary

BUILTINS = frozenset(dir(builtins))
MAX_CONE = 64
"""The most subclasses a declared type stands for (see Program.cone)."""
LAMBDA_MARK = ".<lambda"
"""In a qualname, where a lambda's name starts (`pkg.mod.f.<lambda1>`)."""

Constraint = tuple[Any, ...]
"""An assignment (scope, target, value) or a call (scope, callee, args, keywords, star, result, line)."""


@dataclass(slots=True)
class Program:
    """Definitions keyed by qualified name, and every assignment and call site of the program."""

    modules: set[str] = field(default_factory=set)
    """Modules with a file, and the packages above them (namespace packages have no file)."""
    module_files: set[str] = field(default_factory=set)
    module_names: dict[str, frozenset[str]] = field(default_factory=dict)
    stars: dict[str, tuple[str, ...]] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    spans: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    classes: dict[str, tuple[Expr, ...]] = field(default_factory=dict)
    """Class qualname -> base expressions."""
    class_names: dict[str, frozenset[str]] = field(default_factory=dict)
    params: set[str] = field(default_factory=set)
    """Parameter slots, to name why a call through one is unresolved."""
    constraints: list[Constraint | None] = field(default_factory=list)
    """Every assignment and call site, by id; None where a constraint was removed (see incremental.py)."""
    owners: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Path -> the ids of its file's constraints, in the file's order (assignments, then calls)."""
    seeds: set[int] = field(default_factory=set)
    """The `self` seeds among the constraints (see summary.py and fixpoint.py)."""
    mro: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Class -> its C3 linearization (see hierarchy.py); an external base is an `x:` entry."""
    _stars_memo: dict[tuple[str, str], str | None] = field(default_factory=dict)
    _cones: dict[str, frozenset[str]] = field(default_factory=dict)
    _lookups: dict[tuple[str, str, str | None], Lookup] = field(default_factory=dict)
    _binds: dict[tuple[str, str], tuple[bool, bool]] = field(default_factory=dict)
    _identities: dict[str, frozenset[str]] | None = None
    _positional: dict[str, list[str]] = field(default_factory=dict)

    def positional(self, function: str) -> list[str]:
        """The names of a function's positional parameters, in order (a copy the caller may slice)."""
        found = self._positional.get(function)
        if found is None:
            definition = self.functions.get(function)
            params = definition.params if definition is not None else ()
            found = self._positional[function] = [name for name, kind in params if kind == POSITIONAL]
        return found

    def identities(self) -> dict[str, frozenset[str]]:
        """Functions with a `return param` (`def deco(f): ...; return f`, `return self`) -> those
        parameters: a call returns its own argument there, not every caller's (see Calls.invoke)."""
        if self._identities is None:
            found: dict[str, set[str]] = {}
            for constraint in self.constraints:
                if constraint is not None and len(constraint) == 3 and constraint[1][0] == "s":
                    slot = constraint[1][1]
                    if slot.endswith("#pass"):
                        found.setdefault(slot[: -len("#pass")], set()).add(
                            constraint[2][1].rpartition(".")[2]
                        )
            self._identities = {function: frozenset(names) for function, names in found.items()}
        return self._identities

    def set_identities(self, found: dict[str, frozenset[str]]) -> None:
        """Take identities() as known (a resumed solve's, when the change left them alone)."""
        self._identities = found

    def binds(self, cls: str, name: str) -> tuple[bool, bool]:
        """Whether a class of ours in cls's MRO binds name: anywhere, and before any outside base."""
        key = (cls, name)
        found = self._binds.get(key)
        if found is None:
            anywhere = first = False
            outside = False
            for entry in self.mro.get(cls) or (cls,):
                if entry.startswith("x:"):
                    outside = True
                elif name in self.class_names.get(entry, ()):
                    anywhere = True
                    first = not outside
                    break
            found = self._binds[key] = (anywhere, first)
        return found

    def cone(self, cls: str) -> frozenset[str]:
        """Instances of cls and of every repository class that derives from it (`o:` values); cls
        alone when there are more than MAX_CONE (a declared base of everything says little)."""
        if not self._cones and self.mro:
            below: dict[str, list[str]] = {}
            for sub, order in sorted(self.mro.items()):
                for entry in order:
                    if not entry.startswith("x:"):
                        below.setdefault(entry, []).append(sub)
            for base, subs in below.items():
                self._cones[base] = frozenset("o:" + s for s in (subs if len(subs) <= MAX_CONE else [base]))
        return self._cones.get(cls) or frozenset({"o:" + cls})

    def lookup(self, cls: str, name: str, after: str | None = None) -> Lookup:
        """Where looking name up on cls (after `after` in its MRO, for `super()`) looks: the slots of
        the classes up to the first that binds name, and the external base reached if none does (not
        a builtin type that has no such attribute: `Token.Text` of a tuple subclass is nothing)."""
        key = (cls, name, after)
        found = self._lookups.get(key)
        if found is None:
            mro = self.mro.get(cls) or (cls,)
            if after is not None:
                mro = mro[mro.index(after) + 1 :] if after in mro else ()
            slots: list[str] = []
            external = None
            for entry in mro:
                if entry.startswith("x:"):
                    external = entry
                    if entry.startswith("x:<builtin>."):
                        builtin = getattr(builtins, entry[len("x:<builtin>.") :], None)
                        if isinstance(builtin, type) and not hasattr(builtin, name):
                            external = None
                    break
                slots.append(f"{entry}.{name}")
                if name in self.class_names.get(entry, ()):
                    break
            found = self._lookups[key] = (tuple(slots), external)
        return found

    def prefixed(self, cls: str, prefix: str) -> tuple[str, ...]:
        """The names that classes of ours in cls's MRO bind and that start with prefix (sorted)."""
        names = {
            name
            for entry in self.mro.get(cls) or (cls,)
            for name in self.class_names.get(entry, ())
            if name.startswith(prefix)
        }
        return tuple(sorted(names))

    def star_source(self, module: str, name: str, seen: frozenset[str] = frozenset()) -> str | None:
        """The first module star-imported by module that defines name (directly or by its own stars).

        Decided from the tables alone, never from what the solver has found so far, so the
        answer cannot depend on the order of the solver's work.
        """
        key = (module, name)
        if not seen and key in self._stars_memo:
            return self._stars_memo[key]
        found = None
        inside = seen | {module}
        for star in self.stars.get(module, ()):
            if (
                star in self.module_files
                and star not in inside
                and (
                    name in self.module_names.get(star, ())
                    or f"{star}.{name}" in self.modules
                    or self.star_source(star, name, inside) is not None
                )
            ):
                found = star
                break
        if not seen:
            self._stars_memo[key] = found
        return found


Lookup = tuple[tuple[str, ...], str | None]
"""The slots a lookup reads, and the external base it reaches."""


def load(summaries: Iterable[RawSummary]) -> Program:
    """The program of raw summaries, numbered in path order (the solver's canonical order)."""
    program = Program()
    for raw in sorted(summaries, key=lambda r: r[0]):
        add_tables(program, raw)
        start = len(program.constraints)
        program.seeds.update(start + i for i, assign in enumerate(raw[7]) if is_seed(assign))
        program.constraints.extend(raw[7])
        program.constraints.extend(raw[8])
        program.owners[raw[0]] = tuple(range(start, len(program.constraints)))
    return program


def is_seed(constraint: Constraint) -> bool:
    """An assignment of `self` for when no call site passes one (see summary.py)."""
    return len(constraint) == 3 and bool(constraint[1][0] == "seed")


def add_tables(program: Program, raw: RawSummary) -> None:
    """Merge one file's definitions; definitions under one name (`if`/`else` variants) become one."""
    path, module, _, functions, classes, names, stars = raw[:7]
    program.module_files.add(module)
    parts = module.split(".")
    program.modules.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    program.module_names[module] = program.module_names.get(module, frozenset()) | frozenset(names)
    program.stars[module] = program.stars.get(module, ()) + stars
    for function in functions:
        add_function(program, path, Function(*function))
    for qualname, bases, class_names in classes:
        program.classes[qualname] = program.classes.get(qualname, ()) + bases
        program.class_names[qualname] = program.class_names.get(qualname, frozenset()) | frozenset(
            class_names
        )


def add_function(program: Program, path: str, function: Function) -> None:
    """Merge one definition of path's (a second one under its name widens the node's span)."""
    qualname = function.qualname
    program.params.update(f"{qualname}.{name}" for name, _ in function.params)
    if LAMBDA_MARK in qualname:  # not a node of the graph: no span
        program.functions[qualname] = function
        return
    known = program.spans.get(qualname)
    if known is None:
        program.spans[qualname] = (path, function.first, function.last)
        program.functions[qualname] = function
    else:  # a second definition under the same name: one node spanning both
        program.spans[qualname] = (known[0], min(known[1], function.first), max(known[2], function.last))
        if program.functions[qualname].kind != function.kind and function.kind == "property":
            program.functions[qualname] = function  # a property's setter keeps the getter's kind

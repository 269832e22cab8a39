"""Module-level names: a module's own, a star import's, a submodule, a builtin or something outside.

Shared by the solver and by the class-hierarchy pass. Every table consulted is also read
as a slot (`pkg.mod.name` even when the module does not bind name, `mod:pkg.mod` for "is
this a module of the repository"), so that the incremental solver knows which lookups a
change to the tables can alter.
"""

from __future__ import annotations

from preflight.callgraph.program import BUILTINS, Program

Values = set[str] | frozenset[str]
EMPTY: frozenset[str] = frozenset()


class Names:
    """Name lookups over a program's tables; `read` says what a slot holds."""

    program: Program

    def read(self, slot: str) -> Values:  # pragma: no cover - the subclass's
        raise NotImplementedError

    def global_(self, module: str, name: str) -> Values:
        """A module-level name: the module's own, a star import's, or a builtin."""
        values = self.read(f"{module}.{name}")
        if name in self.program.module_names.get(module, EMPTY):
            return values
        star = self.program.star_source(module, name) if module in self.program.stars else None
        if star is not None:
            return self.module_attribute(star, name, frozenset((module,)))
        if name in BUILTINS:
            return {f"x:<builtin>.{name}"}
        return EMPTY

    def module_attribute(self, module: str, name: str, seen: frozenset[str] = EMPTY) -> Values:
        """name looked up on a repository module: a binding, a submodule, or a star import's."""
        values = self.read(f"{module}.{name}")
        if name in self.program.module_names.get(module, EMPTY):
            return values
        submodule = f"{module}.{name}"
        self.read("mod:" + submodule)
        if submodule in self.program.modules:
            return {"m:" + submodule}
        star = self.program.star_source(module, name, seen) if module in self.program.stars else None
        if star is not None:
            return self.module_attribute(star, name, seen | {module})
        return EMPTY

    def imported(self, module: str, name: str) -> Values:
        """`from module import name`: a submodule, an attribute of ours, or a name outside."""
        submodule = f"{module}.{name}"
        self.read("mod:" + submodule)
        if submodule in self.program.modules:  # `from . import m` in a package
            return {"m:" + submodule}
        self.read("mod:" + module)
        if module in self.program.modules:
            return self.module_attribute(module, name)
        return {f"x:{submodule}" if module else f"x:{name}"}

    def module(self, name: str) -> Values:
        """`import name`: the module, in the repository or outside it."""
        self.read("mod:" + name)
        return {("m:" if name in self.program.modules else "x:") + name}

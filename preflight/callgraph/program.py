"""The static tables of a whole program: every module, function and class, merged from summaries."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field

from preflight.callgraph.model import Assign, Call, Class, Expr, FileSummary, Function

BUILTINS = frozenset(dir(builtins))


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
    assigns: list[Assign] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)


def load(summaries: Iterable[FileSummary]) -> Program:
    """Merge summaries; definitions under one name (`if`/`else` variants) become one."""
    program = Program()
    for summary in summaries:
        module = summary.module
        program.module_files.add(module)
        parts = module.split(".")
        program.modules.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        program.module_names[module] = program.module_names.get(module, frozenset()) | frozenset(
            summary.names
        )
        program.stars[module] = program.stars.get(module, ()) + summary.stars
        for function in summary.functions:
            _add_function(program, summary.path, function)
        for klass in summary.classes:
            _add_class(program, klass)
        program.assigns.extend(summary.assigns)
        program.calls.extend(summary.calls)
    return program


def _add_function(program: Program, path: str, function: Function) -> None:
    qualname = function.qualname
    known = program.spans.get(qualname)
    if known is None:
        program.spans[qualname] = (path, function.first, function.last)
        program.functions[qualname] = function
    else:  # a second definition under the same name: one node spanning both
        program.spans[qualname] = (known[0], min(known[1], function.first), max(known[2], function.last))
        if program.functions[qualname].kind != function.kind and function.kind == "property":
            program.functions[qualname] = function  # a property's setter keeps the getter's kind
    program.params.update(f"{qualname}.{name}" for name, _ in function.params)


def _add_class(program: Program, klass: Class) -> None:
    qualname = klass.qualname
    program.classes[qualname] = program.classes.get(qualname, ()) + klass.bases
    program.class_names[qualname] = program.class_names.get(qualname, frozenset()) | frozenset(klass.names)

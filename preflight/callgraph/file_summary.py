"""What one file contributes to the call graph: a summary that needs no other file to compute.

Expressions are small tagged tuples, resolved only when every file is known (see solver.py):

    ("s", slot)            the values a variable slot holds (`pkg.mod.f.x`, `pkg.mod.C.attr`)
    ("g", module, name)    a module-level name: the module's slot, a star import, or a builtin
    ("m", module)          `import a.b`: the module, in the repository or outside it
    ("I", module, name)    `from module import name`: an attribute or a submodule
    ("f", qualname)        a function defined here;  ("c", qualname) a class defined here
    ("o", qualname)        an instance of a class defined here (the `self` of its methods)
    ("a", expr, name)      an attribute;  ("A", expr, prefix) any whose name starts with prefix
    ("e", expr)            a subscript: an element of a list, a value of a dict
    ("n", expr)            an element when iterating (a dict's keys are not tracked)
    ("e1", expr)           the second item of the elements (`for k, v in d.items()`)
    ("v", expr)            the values of a dict (`{**d}`)
    ("tuple", items, k)    a literal with known positions (for unpacking), else the container k
    ("k", slot) / ("d", slot)  a list-like / dict literal whose elements or values flow into slot
    ("u", class, expr)     `super()` in a method of class, self given by expr
    ("|", exprs)           any of several (`a or b`, `x if c else y`)
    ("?", why)             a value that is not tracked (a lambda is a function `<lambdaN>`)
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass
from typing import Any

Expr = tuple[Any, ...]
UNKNOWN: Expr = ("?", "value")
DYNAMIC: Expr = ("?", "dynamic")

# Parameter kinds: positional-or-keyword (or positional-only), keyword-only, *args, **kwargs.
POSITIONAL, KEYWORD, VARARGS, VARKW = "p", "k", "*", "**"
# Function kinds: how a lookup through a class or an instance binds it.
FUNCTION, METHOD, STATIC, CLASSMETHOD, PROPERTY = "function", "method", "static", "class", "property"


@dataclass(frozen=True, slots=True)
class Function:
    """A def statement."""

    qualname: str
    first: int
    """First line, decorators included (1-based)."""
    last: int
    params: tuple[tuple[str, str], ...]
    """(name, kind) in declaration order; kind is POSITIONAL, KEYWORD, VARARGS or VARKW."""
    kind: str
    """FUNCTION outside a class body, else METHOD, STATIC, CLASSMETHOD or PROPERTY."""


@dataclass(frozen=True, slots=True)
class Class:
    """A class statement."""

    qualname: str
    bases: tuple[Expr, ...]
    names: tuple[str, ...]
    """Names bound in the class body: an attribute lookup stops at the first class that binds it."""


@dataclass(frozen=True, slots=True)
class Assign:
    """target receives the values of value; target is ("s", slot), ("a", expr, name), ("e", expr) or ("-",)."""

    scope: str
    target: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class CallSite:
    """One call site."""

    scope: str
    """The caller: a function's qualname or the module's name."""
    callee: Expr
    args: tuple[Expr, ...]
    keywords: tuple[tuple[str, Expr], ...]
    star: bool
    """A `*args` or `**kwargs` argument: positions after it are unknown."""
    result: str
    """The slot that receives what the call returns."""
    line: int


@dataclass(frozen=True, slots=True)
class FileSummary:
    """Everything one file contributes to the call graph; cached by git blob id."""

    path: str
    module: str
    package: bool
    """The file is a package's `__init__`."""
    functions: tuple[Function, ...]
    classes: tuple[Class, ...]
    names: tuple[str, ...]
    """Names bound at module level (including by `global` statements in functions)."""
    stars: tuple[str, ...]
    """Absolute names of the modules imported with `from M import *`."""
    assigns: tuple[Assign, ...]
    calls: tuple[CallSite, ...]

    def raw(self) -> RawSummary:
        """The summary as plain nested tuples (what the solver reads, and what the cache stores)."""
        return (
            self.path,
            self.module,
            self.package,
            tuple((f.qualname, f.first, f.last, f.params, f.kind) for f in self.functions),
            tuple((c.qualname, c.bases, c.names) for c in self.classes),
            self.names,
            self.stars,
            tuple((a.scope, a.target, a.value) for a in self.assigns),
            tuple((c.scope, c.callee, c.args, c.keywords, c.star, c.result, c.line) for c in self.calls),
        )

    @classmethod
    def from_raw(cls, raw: RawSummary) -> FileSummary:
        """The summary that `raw` returned."""
        path, module, package, functions, classes, names, stars, assigns, calls = raw
        return cls(
            path=path,
            module=module,
            package=package,
            functions=tuple(Function(*f) for f in functions),
            classes=tuple(Class(*c) for c in classes),
            names=names,
            stars=stars,
            assigns=tuple(Assign(*a) for a in assigns),
            calls=tuple(CallSite(*c) for c in calls),
        )

    def to_bytes(self) -> bytes:
        """Serialize for the cache (marshal of plain tuples: fast to load, and it runs no code)."""
        return marshal.dumps((CACHE_FORMAT, *self.raw()), 4)

    @classmethod
    def from_bytes(cls, data: bytes) -> FileSummary:
        """The summary that `to_bytes` wrote; ValueError for anything else (a stale or corrupt entry)."""
        return cls.from_raw(raw_from_bytes(data))


RawSummary = tuple[Any, ...]
"""(path, module, package, functions, classes, names, stars, assigns, calls) as plain tuples;
an assign is (scope, target, value), a call (scope, callee, args, keywords, star, result, line)."""


def raw_from_bytes(data: bytes) -> RawSummary:
    """The raw summary in a cache entry; ValueError for anything else (a stale or corrupt entry)."""
    try:
        raw = marshal.loads(data)
    except (EOFError, TypeError, ValueError) as e:
        raise ValueError(f"not a cached summary: {e}") from e
    if not isinstance(raw, tuple) or len(raw) != 10 or raw[0] != CACHE_FORMAT:
        raise ValueError("not a cached summary of this format")
    return raw[1:]


CACHE_FORMAT = 9
"""Bump when the summary's shape changes: older cache entries then fail to load and are rebuilt."""

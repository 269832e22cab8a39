"""Whether a changed parameter list still accepts every call the old one accepted.

Python's calling rules decide it, not the text: annotations, return types and
default values are invisible to a call's binding, so `t.Optional[t.Any]` ->
`t.Any | None` changes nothing. A call made against the old signature binds each
positional argument to a parameter by position (or to `*args`) and each keyword
argument by name (or to `**kwargs`); the new signature breaks that call when it no
longer binds, or binds an argument to a different parameter (a reorder or a rename).
Positional-only parameters are reached only by position, so renaming one is safe. A method is
compared as callers call it, through an instance or its class: the `self` of a method and the
`cls` of a classmethod are bound by Python and left out (a staticmethod has none), so converting
a staticmethod to a classmethod breaks nobody; a property setter's value is passed by position.
Two conventions count as positional-only too: a leading `self` or `cls` (nobody calls
`obj.method(self=...)`), and leading parameters named `__name` (PEP 484's spelling of
positional-only before Python 3.8, which type checkers enforce).

Of a group of same-named definitions (`typing.overload` stubs, or defs under
`if`/`else`), the callable ones are the non-overload definitions; overload stubs
only describe them, so adding one never breaks a caller.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum

from tree_sitter import Node

from preflight.changes.tokens import SKIPPED, node_text, tokens


class Kind(str, Enum):
    """How a caller may pass a named parameter."""

    POSITIONAL_ONLY = "positional-only"
    POSITIONAL_OR_KEYWORD = "positional-or-keyword"
    KEYWORD_ONLY = "keyword-only"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One named parameter (not `*args` or `**kwargs`)."""

    name: str
    """As written in the def."""
    kind: Kind
    """By position, by keyword, or both."""
    default: str | None
    """The default value's normalized tokens; None when a caller must pass it."""

    @property
    def has_default(self) -> bool:
        """A caller may leave it out."""
        return self.default is not None


@dataclass(frozen=True, slots=True)
class Parameters:
    """A def's parameter list as its callers see it: annotations left out, default values kept
    (a changed default is a compatible change, not no change)."""

    positional: tuple[Parameter, ...]
    """Positional-only and positional-or-keyword parameters, in the order callers pass them: a
    method's `self` and a classmethod's `cls` are bound by Python and left out."""
    keyword_only: tuple[Parameter, ...]
    """Parameters after `*` or `*args`, in order."""
    var_positional: bool
    """Takes `*args`."""
    var_keyword: bool
    """Takes `**kwargs`."""
    is_async: bool
    """An `async def`: callers must await it."""
    overload: bool = False
    """A `typing.overload` stub: a description of the implementation, not callable code."""
    unparsed: bool = False
    """The parameter list has a syntax error: what callers may pass is unknown."""

    @property
    def named(self) -> tuple[Parameter, ...]:
        """Every named parameter, positional ones first."""
        return self.positional + self.keyword_only


def extract(func: Node, outer: Node) -> Parameters:
    """The parameter list of a function_definition node; outer is its decorated_definition or itself."""
    positional: list[Parameter] = []
    keyword_only: list[Parameter] = []
    var_positional = var_keyword = starred = False
    node = func.child_by_field_name("parameters")
    for child in node.named_children if node is not None else ():
        kind = child.type
        if kind in SKIPPED:  # `# type: ignore` between parameters
            continue
        if kind == "positional_separator":  # everything before `/` is positional-only
            positional = [Parameter(p.name, Kind.POSITIONAL_ONLY, p.default) for p in positional]
            continue
        # A typed `*args: int` or `**kw: str` wraps the splat; look inside.
        target = child.named_children[0] if kind == "typed_parameter" and child.named_children else child
        if kind == "keyword_separator" or target.type == "list_splat_pattern":
            starred = True  # later names are keyword-only
            var_positional = var_positional or target.type == "list_splat_pattern"
            continue
        if target.type == "dictionary_splat_pattern":
            var_keyword = True
            continue
        default = None
        name_node: Node | None = target
        if kind in ("default_parameter", "typed_default_parameter"):
            name_node, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            found: list[str] = []
            if value is not None:
                tokens(value, found)
            default = " ".join(found)
        # Python reads identifiers in NFKC form: `ﬁ` and `fi` name the same parameter
        name = unicodedata.normalize("NFKC", node_text(name_node if name_node is not None else child))
        if starred:
            keyword_only.append(Parameter(name, Kind.KEYWORD_ONLY, default))
        else:
            positional.append(Parameter(name, Kind.POSITIONAL_OR_KEYWORD, default))
    decorators = _decorators(outer) if outer is not func else ()
    if _in_class(outer) and "staticmethod" not in decorators and positional:
        positional = positional[1:]  # self or cls: Python binds it, callers never pass it
    if any(name.endswith(".setter") for name in decorators):
        # `obj.x = value` passes the value by position: its name is nobody's business
        positional = [Parameter(p.name, Kind.POSITIONAL_ONLY, p.default) for p in positional]
    return Parameters(
        _conventional(positional),
        tuple(keyword_only),
        var_positional,
        var_keyword,
        any(c.type == "async" for c in func.children),
        "overload" in (name.split(".")[-1] for name in decorators),
        node is not None and node.has_error,
    )


def _conventional(positional: list[Parameter]) -> tuple[Parameter, ...]:
    """The leading run of `self`/`cls` (first only) and `__name` parameters made positional-only."""
    found = list(positional)
    for i, p in enumerate(found):
        if p.kind is Kind.POSITIONAL_ONLY:
            continue
        dunder = p.name.startswith("__") and not p.name.endswith("__")
        if not (dunder or (i == 0 and p.name in ("self", "cls"))):
            break
        found[i] = Parameter(p.name, Kind.POSITIONAL_ONLY, p.default)
    return tuple(found)


def _decorators(outer: Node) -> tuple[str, ...]:
    """The dotted names of a decorated definition's decorators (`overload`, `x.setter`, ...)."""
    found = []
    for decorator in outer.named_children:
        if decorator.type == "decorator" and decorator.named_children:
            expression = decorator.named_children[0]
            if expression.type == "call":  # @functools.lru_cache(maxsize=1): the callee's name
                expression = expression.child_by_field_name("function") or expression
            if expression.type in ("identifier", "attribute"):
                found.append(node_text(expression))
    return tuple(found)


def _in_class(outer: Node) -> bool:
    """Defined in a class body, also under `if`/`try` there (attrs defines methods per Python
    version): a method."""
    node = outer.parent
    while node is not None:
        if node.type == "class_definition":
            return True
        if node.type in ("function_definition", "module"):
            return False
        node = node.parent
    return False


def signature_break(old: tuple[Parameters, ...], new: tuple[Parameters, ...]) -> tuple[str, ...] | None:
    """None if no parameter list or async-ness changed (or one has a syntax error, so what callers
    may pass is unknown); () if every old call still binds; else why not.

    old and new are every same-named definition of the function in each version.
    """
    if set(old) == set(new) or any(p.unparsed for p in (*old, *new)):
        return None  # unchanged, or unknown: the file's parse warning says which line is broken
    before, after = _callable(old), _callable(new)
    if not before or not after:
        return ()  # a side with no definition at all has nothing to compare
    reasons: list[str] = []
    for variant in before:
        # A call that worked against any old variant must work against some new one.
        best = min((breaks(variant, candidate) for candidate in after), key=len)
        reasons += (r for r in best if r not in reasons)
    return tuple(reasons)


def _callable(versions: tuple[Parameters, ...]) -> tuple[Parameters, ...]:
    """The definitions callers actually call: overload stubs only where nothing else exists (.pyi)."""
    implementations = tuple(p for p in versions if not p.overload)
    return implementations or versions


def breaks(old: Parameters, new: Parameters) -> tuple[str, ...]:
    """Why some call valid against old does not bind the same way against new; () if none."""
    reasons: list[str] = []
    reported: set[str] = set()  # names already explained, so one edit gives one reason
    if old.is_async != new.is_async:
        reasons.append("async changed")
    old_names = {p.name for p in old.named}
    new_by_name = {p.name: p for p in new.named}
    for i, p in enumerate(old.positional):
        if i < len(new.positional):
            q = new.positional[i]
            # A positional-only parameter has no name a caller can see: renaming it is harmless,
            # but taking another parameter's name means the parameters were reordered.
            renamed_only = p.kind is Kind.POSITIONAL_ONLY and q.name not in old_names
            if q.name != p.name and not renamed_only:
                reasons.append(f"parameter {i} renamed or moved ({p.name} -> {q.name})")
                reported.add(p.name)
            continue
        moved = new_by_name.get(p.name)
        if moved is not None and moved.kind is Kind.KEYWORD_ONLY:
            reasons.append(f"{p.name} is now keyword-only")
        elif new.var_positional:
            reasons.append(f"parameter {i} renamed or moved ({p.name} -> *args)")
        elif moved is not None:
            reasons.append(f"parameter {i} ({p.name}) moved")
        else:
            reasons.append(f"parameter {i} ({p.name}) removed")
        reported.add(p.name)
    if old.var_positional:
        # Positional arguments that *args collected now land on a named parameter.
        for j in range(len(old.positional), len(new.positional)):
            reasons.append(f"parameter {j} renamed or moved (*args -> {new.positional[j].name})")
        if not new.var_positional:
            reasons.append("*args no longer accepted")
    for p in old.named:
        if p.kind is Kind.POSITIONAL_ONLY or p.name in reported:
            continue
        same = new_by_name.get(p.name)
        if same is not None and same.kind is Kind.POSITIONAL_ONLY:
            reasons.append(f"{p.name} is now positional-only")
        elif same is None and not new.var_keyword:
            reasons.append(f"keyword {p.name} no longer accepted")
    if old.var_keyword and not new.var_keyword:
        reasons.append("**kwargs no longer accepted")
    if old.var_keyword:
        # A keyword that **kwargs took next to a positional argument (f(1, a=2) against
        # f(a, /, **kw)) now names that positional parameter: "multiple values for a".
        usable = {p.name for p in old.named if p.kind is not Kind.POSITIONAL_ONLY}
        for j, q in enumerate(new.positional[: len(old.positional)]):
            if q.kind is Kind.POSITIONAL_OR_KEYWORD and q.name not in usable and q.name not in reported:
                reasons.append(f"keyword {q.name}, taken by **kwargs, now clashes with parameter {j}")
    reasons += _required(old, new)
    return tuple(reasons)


def _required(old: Parameters, new: Parameters) -> list[str]:
    """New parameters without a default that some old call leaves out."""
    reasons = []
    old_names = {p.name for p in old.named}
    old_by_name = {p.name: p for p in old.named}
    renamed: dict[str, Parameter] = {}
    for p, q in zip(old.positional, new.positional, strict=False):
        if p.kind is Kind.POSITIONAL_ONLY and q.name != p.name and q.name not in old_names:
            # Callers that passed p by position now pass q: p's name, if reused, is a new parameter.
            renamed[q.name] = p
            old_by_name.pop(p.name, None)
    for j, q in enumerate(new.named):
        if q.has_default:
            continue
        before = renamed.get(q.name) or old_by_name.get(q.name)
        if before is None and q.name not in old_names and j < min(len(new.positional), len(old.positional)):
            # A new name in an old position is reported as renamed already: required only if the
            # old parameter was not.
            before = old.positional[j]
        if before is None:
            reasons.append(f"new required parameter {q.name}")
        elif before.has_default:
            reasons.append(f"{q.name} is now required")
    return reasons

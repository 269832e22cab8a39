"""An independent cross-check of signature compatibility, built on the stdlib `ast` and `inspect`.

preflight.changes.signatures decides by rules over tree-sitter parameter lists. This
module decides by brute force instead: it enumerates the call shapes that bind against
the old signature (how many positional arguments, which keywords) and binds each one
against the new signature with `inspect.Signature.bind`. A call breaks when it no longer
binds, or when an argument now lands on a different parameter:

- a positional argument must reach the parameter of the same name (or `*args` both times),
  except that a positional-only parameter may be renamed to a name the old signature did
  not use (callers never see its name);
- a keyword argument must reach the parameter of that name, or `**kwargs`; `**kwargs` may
  take over a removed parameter, but not one whose name is still a (positional-only)
  parameter, since that changes what the keyword means;
- async-ness must not change (a caller either awaits the result or does not).

Nothing is imported or executed from the analysed source: defaults become placeholders.
"""

from __future__ import annotations

import ast
import inspect
import itertools
from collections.abc import Iterator

SUBSETS_UP_TO = 10
"""Keyword candidates up to which every subset is tried; beyond, singles, none and all."""
_EXTRA = "zz_not_a_parameter"
"""A keyword no signature names: only **kwargs accepts it."""


def breaks(old_src: str, new_src: str) -> bool:
    """True when some call valid against the def in old_src fails or binds differently against new_src."""
    old_def, new_def = _function(old_src), _function(new_src)
    if isinstance(old_def, ast.AsyncFunctionDef) != isinstance(new_def, ast.AsyncFunctionDef):
        return True
    old, new = _signature(old_def), _signature(new_def)
    return any(not _same_binding(old, new, n, keywords) for n, keywords in _calls(old, new))


def _function(source: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node
    raise ValueError("no function definition in source")


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> inspect.Signature:
    """An inspect.Signature with the def's parameter kinds and which ones have defaults."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    params = [
        inspect.Parameter(
            a.arg,
            inspect.Parameter.POSITIONAL_ONLY
            if i < len(args.posonlyargs)
            else inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=object() if i >= first_default else inspect.Parameter.empty,
        )
        for i, a in enumerate(positional)
    ]
    if args.vararg is not None:
        params.append(inspect.Parameter(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(
            inspect.Parameter(
                a.arg,
                inspect.Parameter.KEYWORD_ONLY,
                default=object() if default is not None else inspect.Parameter.empty,
            )
        )
    if args.kwarg is not None:
        params.append(inspect.Parameter(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def _calls(old: inspect.Signature, new: inspect.Signature) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(positional count, keyword names) of every call shape that binds against old."""
    kinds = {p.kind for p in old.parameters.values()}
    positional = sum(
        p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for p in old.parameters.values()
    )
    most = positional + (2 if inspect.Parameter.VAR_POSITIONAL in kinds else 0)
    candidates = [
        name
        for name, p in old.parameters.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    if inspect.Parameter.VAR_KEYWORD in kinds:
        # **kwargs takes any name: a fresh one, and every name the new signature gives meaning to.
        more = [*old.parameters, *new.parameters, _EXTRA]
        candidates += [n for n in dict.fromkeys(more) if n not in candidates and _plain(old, n)]
    for n in range(most + 1):
        for keywords in _subsets(candidates):
            try:
                old.bind(*_positional(n), **_keywords(keywords))
            except TypeError:
                continue
            yield n, keywords


def _plain(signature: inspect.Signature, name: str) -> bool:
    """The name can be a keyword in a call (not the name of *args or **kwargs itself)."""
    p = signature.parameters.get(name)
    return p is None or p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _subsets(names: list[str]) -> Iterator[tuple[str, ...]]:
    if len(names) <= SUBSETS_UP_TO:
        for size in range(len(names) + 1):
            yield from itertools.combinations(names, size)
        return
    # Too many for every subset (2^n): the shapes that find a missing, renamed or extra keyword.
    yield ()
    yield from ((name,) for name in names)
    yield tuple(names)


def _positional(n: int) -> list[tuple[str, int]]:
    return [("pos", i) for i in range(n)]


def _keywords(names: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    return {name: ("kw", name) for name in names}


def _targets(bound: inspect.BoundArguments) -> dict[tuple[str, object], str]:
    """Which parameter each argument reached: a name, `*` or `**`."""
    found: dict[tuple[str, object], str] = {}
    for name, value in bound.arguments.items():
        kind = bound.signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            found.update((marker, "*") for marker in value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            found.update((marker, "**") for marker in value.values())
        else:
            found[value] = name
    return found


def _same_binding(old: inspect.Signature, new: inspect.Signature, n: int, keywords: tuple[str, ...]) -> bool:
    before = _targets(old.bind(*_positional(n), **_keywords(keywords)))
    try:
        after = _targets(new.bind(*_positional(n), **_keywords(keywords)))
    except TypeError:
        return False
    for marker, was in before.items():
        now = after[marker]
        if was == now:
            continue
        if marker[0] == "pos":
            # A positional-only parameter renamed to a fresh name is the same parameter.
            old_param = old.parameters.get(was)
            renamed = (
                old_param is not None
                and old_param.kind is inspect.Parameter.POSITIONAL_ONLY
                and now not in old.parameters
                and now not in ("*", "**")
            )
            if not renamed:
                return False
        elif now == "**" and was != "**" and marker[1] in new.parameters and _plain(new, str(marker[1])):
            return False  # the name still means a (positional-only) parameter: the keyword changed meaning
        elif now not in ("**", marker[1]):
            return False
    return True

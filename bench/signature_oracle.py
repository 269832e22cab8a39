"""An independent cross-check of signature compatibility, built on the stdlib `ast` and `inspect`.

preflight.changes.signatures decides by rules over tree-sitter parameter lists. This
module decides by brute force instead: it enumerates the call shapes that bind against
the old signature (how many positional arguments, which keywords) and makes each call
against a stub with the new parameter list, so CPython itself binds the arguments (not
`inspect.Signature.bind`, which before Python 3.13 refuses `f(a=1)` for `def f(a=0, /, **kw)`
although the call is valid). A call breaks when it no longer
binds, or when an argument now lands on a different parameter:

- a positional argument must reach the parameter of the same name (or `*args` both times),
  except that a positional-only parameter may be renamed to a name the old signature did
  not use (callers never see its name);
- a keyword argument must reach the parameter of that name, or `**kwargs`; `**kwargs` may
  take over a removed parameter, but not one whose name is still a (positional-only)
  parameter, since that changes what the keyword means;
- async-ness must not change (a caller either awaits the result or does not).

Nothing is imported or executed from the analysed source: the stub is compiled from a
syntax tree built here that keeps only the parameter names (no annotations, no default
expressions, no decorators, no body).
"""

from __future__ import annotations

import ast
import inspect
import itertools
import sys
from collections.abc import Callable, Iterator
from typing import cast

SUBSETS_UP_TO = 10
"""Keyword candidates up to which every subset is tried; beyond, singles, none and all."""
_EXTRA = "zz_not_a_parameter"
"""A keyword no signature names: only **kwargs accepts it."""


Stub = Callable[..., dict[str, object]]
"""A compiled def with the analysed parameter list that returns its parameters' values."""


def breaks(old_src: str, new_src: str) -> bool:
    """True when some call valid against the def in old_src fails or binds differently against new_src."""
    old_def, new_def = _function(old_src), _function(new_src)
    if isinstance(old_def, ast.AsyncFunctionDef) != isinstance(new_def, ast.AsyncFunctionDef):
        return True
    old, new = _signature(old_def), _signature(new_def)
    old_stub, new_stub = _stub(old_def), _stub(new_def)
    return any(
        not _same_binding(old, new, old_stub, new_stub, n, keywords)
        for n, keywords in _calls(old, new, old_stub)
    )


def _function(source: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return _conventional(node)
    raise ValueError("no function definition in source")


def _conventional(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """The def with the two conventions preflight applies made explicit: a leading `self`/`cls` and
    leading `__name` parameters (PEP 484's spelling of positional-only) are positional-only."""
    args = node.args
    moved = 0
    for i, arg in enumerate(args.args):
        dunder = arg.arg.startswith("__") and not arg.arg.endswith("__")
        if not (dunder or (i == 0 and not args.posonlyargs and arg.arg in ("self", "cls"))):
            break
        moved += 1
    if args.posonlyargs and not moved:
        return node
    args.posonlyargs, args.args = [*args.posonlyargs, *args.args[:moved]], args.args[moved:]
    return node


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
            default=None if i >= first_default else inspect.Parameter.empty,
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
                default=None if default is not None else inspect.Parameter.empty,
            )
        )
    if args.kwarg is not None:
        params.append(inspect.Parameter(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def _stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Stub:
    """`def stub(<the same parameters, defaults None>): return {name: value, ...}`, compiled."""
    args = node.args

    def bare(arg: ast.arg | None) -> ast.arg | None:
        return None if arg is None else ast.arg(arg.arg)

    signature = ast.arguments(
        posonlyargs=[ast.arg(a.arg) for a in args.posonlyargs],
        args=[ast.arg(a.arg) for a in args.args],
        vararg=bare(args.vararg),
        kwonlyargs=[ast.arg(a.arg) for a in args.kwonlyargs],
        kw_defaults=[None if d is None else ast.Constant(None) for d in args.kw_defaults],
        kwarg=bare(args.kwarg),
        defaults=[ast.Constant(None) for _ in args.defaults],
    )
    names = [a.arg for a in (*signature.posonlyargs, *signature.args, *signature.kwonlyargs)]
    names += [a.arg for a in (signature.vararg, signature.kwarg) if a is not None]
    body = ast.Return(
        ast.Dict(keys=[ast.Constant(n) for n in names], values=[ast.Name(n, ast.Load()) for n in names])
    )
    stub = ast.FunctionDef("stub", signature, [body], [], None, None)
    if sys.version_info >= (3, 12):
        stub.type_params = []
    module = ast.fix_missing_locations(ast.Module([stub], []))
    namespace: dict[str, object] = {}
    exec(compile(module, "<signature oracle stub>", "exec"), namespace)
    return cast(Stub, namespace["stub"])


def _calls(
    old: inspect.Signature, new: inspect.Signature, old_stub: Stub
) -> Iterator[tuple[int, tuple[str, ...]]]:
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
        # **kwargs takes any name: a fresh one, and every name either signature gives meaning to.
        more = [*old.parameters, *new.parameters, _EXTRA]
        candidates += [n for n in dict.fromkeys(more) if n not in candidates]
    for n in range(most + 1):
        for keywords in _subsets(candidates):
            try:
                old_stub(*_positional(n), **_keywords(keywords))
            except TypeError:
                continue
            yield n, keywords


def _subsets(names: list[str]) -> Iterator[tuple[str, ...]]:
    if len(names) <= SUBSETS_UP_TO:
        for size in range(len(names) + 1):
            yield from itertools.combinations(names, size)
        return
    # Too many for every subset (2^n): the shapes that find a missing, renamed or extra keyword.
    yield ()
    yield from ((name,) for name in names)
    yield tuple(names)


def _positional(n: int) -> list[tuple[str, object]]:
    return [("pos", i) for i in range(n)]


def _keywords(names: tuple[str, ...]) -> dict[str, tuple[str, object]]:
    return {name: ("kw", name) for name in names}


def _targets(signature: inspect.Signature, values: dict[str, object]) -> dict[object, str]:
    """Which parameter each argument reached: a name, `*` or `**`."""
    found: dict[object, str] = {}
    for name, value in values.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            found.update((marker, "*") for marker in cast(tuple[object, ...], value))
        elif kind is inspect.Parameter.VAR_KEYWORD:
            found.update((marker, "**") for marker in cast(dict[str, object], value).values())
        elif value is not None:  # None is every default: no argument reached it
            found[value] = name
    return found


def _same_binding(
    old: inspect.Signature,
    new: inspect.Signature,
    old_stub: Stub,
    new_stub: Stub,
    n: int,
    keywords: tuple[str, ...],
) -> bool:
    before = _targets(old, old_stub(*_positional(n), **_keywords(keywords)))
    try:
        after = _targets(new, new_stub(*_positional(n), **_keywords(keywords)))
    except TypeError:
        return False
    for marker, was in before.items():
        now = after[marker]
        kind, name = cast(tuple[str, str], marker)
        if was == now:
            continue
        if kind == "pos":
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
        elif now == "**" and was != "**" and _named(new, name):
            return False  # the name still means a (positional-only) parameter: the keyword changed meaning
        elif now not in ("**", name):
            return False
    return True


def _named(signature: inspect.Signature, name: str) -> bool:
    """name is a named parameter (not the name of *args or **kwargs themselves)."""
    p = signature.parameters.get(name)
    return p is not None and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)

"""Module- and class-level changes as change entries, and the functions they expose.

A changed scope becomes a FunctionChange with scope `module` (qualname the module) or
`class` (qualname the class), kind modified, the names its changed statements bind and the
functions of the same file that mention one of them (read_by). Each such function that the
change did not itself touch is listed too, with kind reads-changed: it runs the changed
value, so its traffic, callers and blast radius count as a changed function's would.
Readers in other modules are not found (the call graph tracks calls, not reads of globals):
a scope nobody in its file reads stays unknown (see preflight.risk).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from preflight.changes import statements
from preflight.changes.definitions import Definition
from preflight.changes.matching import FilePair
from preflight.models import ChangeKind, FunctionChange, LineSpan


def classify(pairs: Iterable[FilePair], functions: Sequence[FunctionChange]) -> tuple[FunctionChange, ...]:
    """functions plus every module- and class-level change of pairs and their readers, in file order."""
    changed = {f.qualname for f in functions}
    found = list(functions)
    for pair in pairs:
        found += _pair_changes(pair, changed)
    found.sort(key=_order)
    return tuple(found)


def _order(change: FunctionChange) -> tuple[str, int, str]:
    span = change.new_lines or change.old_lines
    return (change.path, span.start if span else 0, change.qualname)


def _pair_changes(pair: FilePair, changed: set[str]) -> list[FunctionChange]:
    # a partially parsed version is unknown as a whole (FileChange.unparsed): its error
    # recovery would report statements that did not change
    if pair.old_root is None or pair.new_root is None or pair.old_partial or pair.new_partial:
        return []
    scopes = statements.compare(statements.collect(pair.old_root), statements.collect(pair.new_root))
    if not scopes:
        return []
    module, old_module = pair.new_module or "", pair.old_module or ""
    lines = _mention_lines(pair, {name for scope in scopes for name in scope.names})
    found: list[FunctionChange] = []
    exposed: dict[str, set[str]] = {}
    for scope in scopes:
        readers = [
            local
            for local, definition in pair.new.items()
            if any(line in definition.span for name in scope.names for line in lines.get(name, ()))
        ]
        found.append(
            FunctionChange(
                path=pair.new_path or "",
                old_path=pair.old_path,
                qualname=_join(module, scope.scope),
                old_qualname=_join(old_module, scope.scope),
                kind=ChangeKind.MODIFIED,
                aspects=(),
                new_lines=scope.new_lines,
                old_lines=scope.old_lines,
                added_lines=_count(scope.new_lines, pair.added_lines),
                removed_lines=_count(scope.old_lines, pair.removed_lines),
                scope="class" if scope.scope else "module",
                names=scope.names,
                read_by=tuple(_join(module, local) for local in readers),
            )
        )
        for local in readers:
            read = {
                name
                for name in scope.names
                if any(line in pair.new[local].span for line in lines.get(name, ()))
            }
            exposed.setdefault(local, set()).update(read)
    for local, names in exposed.items():
        if _join(module, local) not in changed:
            found.append(_reader(pair, local, pair.new[local], pair.old.get(local), tuple(sorted(names))))
    return found


def _reader(
    pair: FilePair, local: str, new: Definition, old: Definition | None, names: tuple[str, ...]
) -> FunctionChange:
    return FunctionChange(
        path=pair.new_path or "",
        old_path=pair.old_path,
        qualname=_join(pair.new_module or "", local),
        old_qualname=_join(pair.old_module or "", local) if old is not None else None,
        kind=ChangeKind.READS_CHANGED,
        aspects=(),
        new_lines=new.span,
        old_lines=old.span if old is not None else None,
        added_lines=0,
        removed_lines=0,
        names=names,
    )


def _mention_lines(pair: FilePair, names: set[str]) -> dict[str, set[int]]:
    """1-based lines of the new version where each name appears as an identifier."""
    assert pair.new_root is not None
    found: dict[str, set[int]] = {}
    for name, line in statements.mentions(pair.new_root, names):
        found.setdefault(name, set()).add(line)
    return found


def _join(module: str, local: str) -> str:
    return f"{module}.{local}" if module and local else module or local


def _count(span: LineSpan | None, lines: frozenset[int]) -> int:
    return 0 if span is None else sum(1 for line in lines if line in span)

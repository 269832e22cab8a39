"""Classify functions between two versions: pure logic over parsed definitions.

Functions are matched by qualified name within a file pair (git pairs renamed
files), then leftovers are paired across the whole change when their code is
identical (renames and moves), then by a container rename (a class or module
renamed with its members, some of which also changed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from tree_sitter import Node

from preflight.changes.definitions import Definition
from preflight.changes.signatures import signature_break
from preflight.models import Aspect, ChangeKind, FunctionChange, LineSpan


@dataclass(frozen=True, slots=True)
class FilePair:
    """Both versions of one changed Python file, parsed."""

    old_path: str | None
    new_path: str | None
    old_module: str | None
    new_module: str | None
    old: dict[str, Definition]
    new: dict[str, Definition]
    removed_lines: frozenset[int]
    added_lines: frozenset[int]
    old_partial: bool = False
    """The old version has a syntax error: definitions missing from it are not 'added'."""
    new_partial: bool = False
    """The new version has a syntax error: definitions missing from it are not 'removed'."""
    old_root: Node | None = None
    """The old version's syntax tree (module node), for the statements outside any def."""
    new_root: Node | None = None
    """The new version's syntax tree."""
    unparsed: str | None = None
    """Why a version parsed only partially (FileChange.unparsed), or None."""


@dataclass(frozen=True, slots=True)
class _Side:
    """A definition in one version of a file pair."""

    pair: FilePair
    definition: Definition
    is_new: bool

    @property
    def qualname(self) -> str:
        module = self.pair.new_module if self.is_new else self.pair.old_module
        return f"{module}.{self.definition.local}" if module else self.definition.local


def classify(pairs: Iterable[FilePair]) -> tuple[tuple[FunctionChange, ...], tuple[str, ...]]:
    """Every changed function of the change, and warnings about what could not be classified."""
    changes: list[FunctionChange] = []
    warnings: list[str] = []
    removed: list[_Side] = []
    added: list[_Side] = []
    for pair in pairs:
        for local in [*pair.old, *(k for k in pair.new if k not in pair.old)]:
            old, new = pair.old.get(local), pair.new.get(local)
            if old is not None and new is not None:
                change = _compare(_Side(pair, old, False), _Side(pair, new, True))
                if change is not None:
                    changes.append(change)
            elif old is not None:
                if pair.new_partial and not _all_deleted(old.span, pair.removed_lines):
                    warnings.append(
                        f"{pair.new_path}: {local} not found after a syntax error; not reported as removed"
                    )
                else:
                    removed.append(_Side(pair, old, False))
            elif new is not None:
                if pair.old_partial and not _all_deleted(new.span, pair.added_lines):
                    warnings.append(
                        f"{pair.old_path}: {local} was hidden by a syntax error before; not reported as added"
                    )
                else:
                    added.append(_Side(pair, new, True))
    renamed, removed, added = _pair_identical(removed, added)
    moved, removed, added = _pair_by_container(renamed, removed, added)
    changes.extend(_compare(old, new, force=True) for old, new in renamed + moved)  # type: ignore[misc]
    changes.extend(_one_sided(side, ChangeKind.REMOVED) for side in removed)
    changes.extend(_one_sided(side, ChangeKind.ADDED) for side in added)
    changes.sort(key=_order)
    return tuple(changes), tuple(warnings)


def _all_deleted(span: LineSpan, lines: frozenset[int]) -> bool:
    return all(line in lines for line in range(span.start, span.end + 1))


def _compare(old: _Side, new: _Side, force: bool = False) -> FunctionChange | None:
    a, b = old.definition, new.definition
    renamed = old.qualname != new.qualname
    if not renamed and not force and (a.raw == b.raw or a.text == b.text):
        return None  # untouched: equal text means equal fingerprints, no need to compute them
    aspects = tuple(
        aspect
        for aspect, x, y in (
            (Aspect.SIGNATURE, a.signature, b.signature),
            (Aspect.BODY, a.body, b.body),
            (Aspect.DECORATORS, a.decorators, b.decorators),
            (Aspect.DOCSTRING, a.docstring, b.docstring),
        )
        if x != y
    )
    if aspects:
        kind = ChangeKind.MODIFIED
    elif renamed or force:
        kind = ChangeKind.RENAMED
    elif a.text != b.text:
        kind = ChangeKind.COSMETIC
    else:
        return None
    # Parameters are extracted only here, for the few functions whose signature changed.
    broken = (
        signature_break(a.parameters, b.parameters)
        if kind is ChangeKind.MODIFIED and Aspect.SIGNATURE in aspects
        else None
    )
    return FunctionChange(
        path=new.pair.new_path or "",
        old_path=old.pair.old_path,
        qualname=new.qualname,
        old_qualname=old.qualname,
        kind=kind,
        aspects=aspects,
        new_lines=b.span,
        old_lines=a.span,
        added_lines=_count(b.span, new.pair.added_lines),
        removed_lines=_count(a.span, old.pair.removed_lines),
        signature_break=broken,
    )


def _one_sided(side: _Side, kind: ChangeKind) -> FunctionChange:
    d, pair = side.definition, side.pair
    if kind is ChangeKind.ADDED:
        return FunctionChange(
            pair.new_path or "",
            None,
            side.qualname,
            None,
            kind,
            (),
            d.span,
            None,
            _count(d.span, pair.added_lines),
            0,
        )
    return FunctionChange(
        pair.old_path or "",
        pair.old_path,
        side.qualname,
        side.qualname,
        kind,
        (),
        None,
        d.span,
        0,
        _count(d.span, pair.removed_lines),
    )


def _count(span: LineSpan, lines: frozenset[int]) -> int:
    if len(lines) < span.end - span.start:
        return sum(1 for line in lines if span.start <= line <= span.end)
    return sum(1 for line in range(span.start, span.end + 1) if line in lines)


def _pair_identical(
    removed: list[_Side], added: list[_Side]
) -> tuple[list[tuple[_Side, _Side]], list[_Side], list[_Side]]:
    """One-to-one pairs with identical code, best candidates first.

    Rounds, each over the removed definitions outer-first: the same parent (so a
    nested function follows its renamed parent, a method stays in its class), then
    the same file, then anywhere; within each, the same name before another name.
    """
    by_code: dict[tuple[str, str, str | None, str], list[_Side]] = {}
    for side in added:
        by_code.setdefault(side.definition.code, []).append(side)
    parents = {s.pair.old_module: s.pair.new_module for s in removed + added if s.pair.old_module}
    pairs: list[tuple[_Side, _Side]] = []
    ordered = sorted(removed, key=lambda side: side.definition.local.count("."))

    def parent_of(qualname: str) -> str:
        return qualname.rpartition(".")[0]

    def fits(old: _Side, new: _Side, where: str, same_name: bool) -> bool:
        if same_name and new.definition.name != old.definition.name:
            return False
        if where == "parent":
            expected = parents.get(parent_of(old.qualname), parent_of(old.qualname))
            return parent_of(new.qualname) == expected
        if where == "file":
            return new.pair is old.pair
        return True

    for where in ("parent", "file", "anywhere"):
        for same_name in (True, False):
            for old in ordered:
                candidates = by_code.get(old.definition.code)
                if old.qualname in parents or not candidates:
                    continue
                new = next((c for c in candidates if fits(old, c, where, same_name)), None)
                if new is not None:
                    candidates.remove(new)
                    pairs.append((old, new))
                    parents[old.qualname] = new.qualname
    return pairs, _without(removed, [p[0] for p in pairs]), _without(added, [p[1] for p in pairs])


def _pair_by_container(
    renamed: list[tuple[_Side, _Side]], removed: list[_Side], added: list[_Side]
) -> tuple[list[tuple[_Side, _Side]], list[_Side], list[_Side]]:
    """When a class or module moved (its identical members did), pair its other members by name."""
    votes: Counter[tuple[str, str]] = Counter()
    for old, new in renamed:
        old_parent, _, old_name = old.qualname.rpartition(".")
        new_parent, _, new_name = new.qualname.rpartition(".")
        if old_name == new_name and old_parent != new_parent:
            votes[(old_parent, new_parent)] += 1
    mapping: dict[str, str] = {}
    for (old_parent, new_parent), _ in votes.most_common():
        mapping.setdefault(old_parent, new_parent)
    if not mapping:
        return [], removed, added
    added_by_name = {side.qualname: side for side in added}
    pairs: list[tuple[_Side, _Side]] = []
    for old in removed:
        parent, _, name = old.qualname.rpartition(".")
        target = mapping.get(parent)
        match = added_by_name.pop(f"{target}.{name}", None) if target else None
        if match is not None:
            pairs.append((old, match))
    return pairs, _without(removed, [p[0] for p in pairs]), _without(added, [p[1] for p in pairs])


def _without(sides: list[_Side], taken: list[_Side]) -> list[_Side]:
    ids = {id(side) for side in taken}
    return [side for side in sides if id(side) not in ids]


def _order(change: FunctionChange) -> tuple[str, int, str]:
    span = change.new_lines or change.old_lines
    return (change.path, span.start if span else 0, change.qualname)

"""Code outside any def: module- and class-level statements (constants, imports, class
attributes and bases, top-level calls), compared between two versions of a file.

A statement is compared by the normalized tokens of tokens.py, so comments and formatting
never make a change. A class statement is a statement of the enclosing scope made of its
header (decorators, name, bases), matched by name; its body's statements outside any def
belong to the class. A changed scope is reported with the names its changed statements
bind, and with the functions of the same file that mention one of those names: the call
graph tracks calls, not reads of globals, so reads are found conservatively by identifier
(any `EUR_RATES` or `.EUR_RATES` in a function's source counts).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from tree_sitter import Node

from preflight.changes.tokens import SKIPPED, node_name, node_text, tokens
from preflight.models import LineSpan

_ASSIGNMENTS = frozenset({"assignment", "augmented_assignment"})


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement outside any def, in one version of a file."""

    scope: str
    """'' for the module body, else the local name of the class whose body holds it."""
    node: Node
    names: tuple[str, ...]
    """The names it binds in its scope (assignment targets, imports, a class's name)."""
    header: Node | None = None
    """For a class statement: the class, whose body is left out (its statements are apart)."""

    @property
    def text(self) -> bytes:
        """Exact source: equal text settles a comparison without tokenizing."""
        if self.header is None:
            return self.node.text or b""
        body = self.header.child_by_field_name("body")
        end = body.start_byte if body is not None else self.node.end_byte
        return (self.node.text or b"")[: end - self.node.start_byte]

    def key(self) -> str:
        """The normalized tokens: equal keys mean the same code up to comments and formatting."""
        out: list[str] = []
        if self.header is None:
            tokens(self.node, out)
            return " ".join(out)
        for child in self.node.named_children:  # a decorated class's decorators
            if child.type == "decorator":
                tokens(child, out)
        out.append("class " + node_name(self.header))
        for field in ("type_parameters", "superclasses"):
            part = self.header.child_by_field_name(field)
            if part is not None:
                tokens(part, out)
        return " ".join(out)


@dataclass(frozen=True, slots=True)
class ScopeChange:
    """A module or class body whose statements outside any def changed."""

    scope: str
    """'' for the module, else the class's local name."""
    names: tuple[str, ...]
    """Names bound by the changed statements, sorted."""
    old_lines: LineSpan | None
    new_lines: LineSpan | None
    """From the first to the last changed statement of that version; None if it has none."""


def collect(root: Node) -> list[Statement]:
    """Every statement outside any def, in document order."""
    found: list[Statement] = []
    _collect(root, "", found)
    return found


def _collect(node: Node, scope: str, found: list[Statement]) -> None:
    for child in node.named_children:
        if child.type in SKIPPED:
            continue
        inner = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if inner is not None and inner.type == "function_definition":
            continue  # functions are compared on their own (matching.py)
        if inner is not None and inner.type == "class_definition":
            name = node_name(inner)
            found.append(Statement(scope, child, (name,), inner))
            body = inner.child_by_field_name("body")
            if body is not None:
                _collect(body, f"{scope}.{name}" if scope else name, found)
            continue
        found.append(Statement(scope, child, tuple(sorted(set(_bound(child))))))


def _bound(node: Node) -> Iterable[str]:
    """Names a statement binds: assignment targets, imported names, and, in compound statements
    (if, try, with, for at module level), those of every statement inside."""
    kind = node.type
    if kind in _ASSIGNMENTS:
        left = node.child_by_field_name("left")
        if left is not None:
            yield from _targets(left)
        right = node.child_by_field_name("right")
        if right is not None and right.type in _ASSIGNMENTS:  # a = b = 1
            yield from _bound(right)
        return
    if kind == "import_statement":
        for name in node.children_by_field_name("name"):
            yield _imported(name, top=True)
        return
    if kind == "import_from_statement":
        for name in node.children_by_field_name("name"):
            yield _imported(name, top=False)
        return
    if kind in ("function_definition", "class_definition"):
        yield node_name(node)
        return
    if kind == "as_pattern":
        alias = node.child_by_field_name("alias")
        if alias is not None:
            yield from _targets(alias)
        return
    if kind == "for_statement":
        left = node.child_by_field_name("left")
        if left is not None:
            yield from _targets(left)
    elif kind == "delete_statement":
        for child in node.named_children:
            yield from _targets(child)
        return
    if kind in _COMPOUND:
        for child in node.named_children:
            yield from _bound(child)


_COMPOUND = frozenset(
    {
        "block",
        "expression_statement",
        "decorated_definition",
        "with_clause",
        "with_item",
        "except_clause",
        "except_group_clause",
        "case_clause",
        "match_statement",
        "if_statement",
        "elif_clause",
        "else_clause",
        "for_statement",
        "while_statement",
        "try_statement",
        "finally_clause",
        "with_statement",
    }
)


def _targets(node: Node) -> Iterable[str]:
    """The root names of assignment targets: `a`, `a, b`, `a.x` and `a[k]` (both mutate a)."""
    kind = node.type
    if kind == "identifier":
        yield node_text(node)
    elif kind in ("attribute", "subscript"):
        value = node.child_by_field_name("object") or node.child_by_field_name("value")
        if value is not None:
            yield from _targets(value)
    else:
        for child in node.named_children:
            yield from _targets(child)


def _imported(node: Node, top: bool) -> str:
    """The name an import binds: the alias, else (import a.b) a, else (from m import b) b."""
    if node.type == "aliased_import":
        alias = node.child_by_field_name("alias")
        return node_text(alias) if alias is not None else ""
    text = node_text(node)
    return text.split(".")[0] if top else text.rsplit(".", 1)[-1]


def compare(old: list[Statement], new: list[Statement]) -> list[ScopeChange]:
    """The scopes present in both versions whose statements changed beyond comments and format.

    A class added or removed as a whole is said by its methods' entries, not as a scope.
    """
    old_by = _by_scope(old)
    new_by = _by_scope(new)
    found = []
    for scope, after in new_by.items():
        before = old_by.get(scope)
        if before is None or [s.text for s in before] == [s.text for s in after]:
            continue
        removed, added = _changed(before, after)
        if removed or added:
            names = sorted({name for s in removed + added for name in s.names})
            found.append(ScopeChange(scope, tuple(names), _span(removed), _span(added)))
    return found


def _by_scope(statements: list[Statement]) -> dict[str, list[Statement]]:
    grouped: dict[str, list[Statement]] = {}
    for statement in statements:
        grouped.setdefault(statement.scope, []).append(statement)
    return grouped


def _changed(before: list[Statement], after: list[Statement]) -> tuple[list[Statement], list[Statement]]:
    """Statements only in before and only in after, matched in order by their normalized code.

    Class statements are matched by name: one whose decorators or bases changed is a change; a
    class added, removed or renamed is said by its methods' entries (added, removed, renamed).
    """
    old_classes = {s.names[0]: s for s in before if s.header is not None}
    new_classes = {s.names[0]: s for s in after if s.header is not None}
    removed: list[Statement] = []
    added: list[Statement] = []
    for name, old in old_classes.items():
        new = new_classes.get(name)
        if new is not None and old.text != new.text and old.key() != new.key():
            removed.append(old)
            added.append(new)
    before = [s for s in before if s.header is None]
    after = [s for s in after if s.header is None]
    same = {s.text for s in before} & {s.text for s in after}
    # only statements whose text differs are tokenized: most of a module is untouched
    old_keys = [s.text.decode("utf-8", "replace") if s.text in same else s.key() for s in before]
    new_keys = [s.text.decode("utf-8", "replace") if s.text in same else s.key() for s in after]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += before[i1:i2]
            added += after[j1:j2]
    return removed, added


def _span(statements: list[Statement]) -> LineSpan | None:
    if not statements:
        return None
    return LineSpan(
        min(s.node.start_point[0] for s in statements) + 1, max(s.node.end_point[0] for s in statements) + 1
    )


def mentions(root: Node, names: Iterable[str]) -> list[tuple[str, int]]:
    """(name, 1-based line) of every identifier under root named one of names."""
    wanted = {name.encode("utf-8", "surrogatepass") for name in names}
    found: list[tuple[str, int]] = []
    if not wanted:
        return found
    stack = [root]
    while stack:  # iterative: deep expressions must not exhaust Python's recursion limit
        node = stack.pop()
        if node.type == "identifier":
            if node.text in wanted:
                found.append((node_text(node), node.start_point[0] + 1))
        else:
            stack.extend(node.children)
    return found

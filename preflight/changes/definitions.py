"""Find every function definition in a Python source with tree-sitter and fingerprint it.

A fingerprint is a normalized token stream: comments, line continuations, commas
and parentheses are dropped (tree structure carries their meaning), strings and
numbers are compared by value, and `a, b` equals `(a, b)`. Equal fingerprints
mean equal behaviour up to formatting, so a comment-only or reformatting edit is
cosmetic rather than modified.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter_python
from tree_sitter import Language, Node, Parser

from preflight.models import LineSpan

_PARSER = Parser(Language(tree_sitter_python.language()))

# Statements whose children can hold definitions; a def under `if`/`try` belongs to the enclosing scope.
_CONTAINERS = frozenset(
    {
        "block",
        "if_statement",
        "elif_clause",
        "else_clause",
        "for_statement",
        "while_statement",
        "try_statement",
        "except_clause",
        "except_group_clause",
        "finally_clause",
        "with_statement",
        "match_statement",
        "case_clause",
        "ERROR",
    }
)
_SKIPPED = frozenset({"comment", "line_continuation"})
_DROPPED_LEAVES = frozenset({",", "(", ")"})
_RENAMED_TYPES = {
    "expression_list": "tuple",
    "pattern_list": "tuple",
    "tuple_pattern": "tuple",
}


@dataclass(frozen=True, slots=True)
class Definition:
    """A function as found in one version of a file (same-named definitions merged)."""

    local: str
    """Nesting without the module: Class.method, outer.inner."""
    span: LineSpan
    """First decorator line to last line; over all merged definitions."""
    text: str
    """Own source text, dedented, nested definitions cut out: equal text means untouched."""
    signature: str
    decorators: str
    docstring: str | None
    body: str
    has_error: bool
    """The definition contains a syntax error."""

    @property
    def name(self) -> str:
        """The last component of the local name."""
        return self.local.rsplit(".", 1)[-1]

    @property
    def code(self) -> tuple[str, str, str | None, str]:
        """Everything that defines behaviour except the name."""
        return (self.signature, self.decorators, self.docstring, self.body)


@dataclass(frozen=True, slots=True)
class ParsedSource:
    """All definitions of one file version, keyed by local name."""

    definitions: dict[str, Definition]
    error_line: int | None
    """First line with a syntax error, or None when the file parsed cleanly."""


@dataclass(slots=True)
class _Found:
    local: str
    outer: Node  # decorated_definition when decorated, else the function_definition
    func: Node


def parse(source: bytes) -> ParsedSource:
    """Parse UTF-8 Python source and return its function definitions."""
    tree = _PARSER.parse(source)
    found: list[_Found] = []
    _collect(tree.root_node, "", found)
    grouped: dict[str, list[_Found]] = {}
    for item in found:
        grouped.setdefault(item.local, []).append(item)
    definitions = {local: _merge(local, items, source) for local, items in grouped.items()}
    error_line = _first_error_line(tree.root_node) if tree.root_node.has_error else None
    return ParsedSource(definitions, error_line)


def _collect(node: Node, prefix: str, found: list[_Found]) -> None:
    for child in node.named_children:
        kind = child.type
        outer = child
        if kind == "decorated_definition":
            inner = child.child_by_field_name("definition")
            if inner is None:
                continue
            child, kind = inner, inner.type
        if kind == "function_definition":
            local = prefix + _name(child)
            found.append(_Found(local, outer, child))
            body = child.child_by_field_name("body")
            if body is not None:
                _collect(body, local + ".", found)
        elif kind == "class_definition":
            body = child.child_by_field_name("body")
            if body is not None:
                _collect(body, prefix + _name(child) + ".", found)
        elif kind in _CONTAINERS:
            _collect(child, prefix, found)


def _name(node: Node) -> str:
    name = node.child_by_field_name("name")
    return _text(name) if name is not None else "<unnamed>"


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _first_error_line(node: Node) -> int | None:
    if node.type == "ERROR" or node.is_missing:
        return node.start_point[0] + 1
    for child in node.children:
        if child.has_error:
            return _first_error_line(child)
    return None


def _merge(local: str, items: list[_Found], source: bytes) -> Definition:
    parts = [_fingerprint(item, source) for item in items]
    docstrings = [p[2] for p in parts if p[2] is not None]
    return Definition(
        local=local,
        span=LineSpan(
            min(i.outer.start_point[0] for i in items) + 1,
            max(i.outer.end_point[0] for i in items) + 1,
        ),
        text="\n\0\n".join(p[4] for p in parts),
        signature=_digest(p[0] for p in parts),
        decorators=_digest(p[1] for p in parts),
        docstring="\n\0\n".join(docstrings) if docstrings else None,
        body=_digest(p[3] for p in parts),
        has_error=any(i.outer.has_error for i in items),
    )


def _digest(chunks: Iterator[str]) -> str:
    return hashlib.blake2b("\n\0\n".join(chunks).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _fingerprint(item: _Found, source: bytes) -> tuple[str, str, str | None, str, str]:
    func = item.func
    signature: list[str] = []
    for child in func.children:
        if child.type == "async":
            signature.append("async")
    for field in ("type_parameters", "parameters", "return_type"):
        node = func.child_by_field_name(field)
        signature.append(field)
        if node is not None:
            _tokens(node, signature)
    decorators: list[str] = []
    if item.outer is not func:
        for child in item.outer.named_children:
            if child.type == "decorator":
                decorators.append("@")
                _tokens(child, decorators)
    body_tokens: list[str] = []
    docstring = None
    body = func.child_by_field_name("body")
    nested: list[Node] = []
    if body is not None:
        statements = [c for c in body.named_children if c.type not in _SKIPPED]
        docstring = _docstring(statements[0]) if statements else None
        for statement in statements[1:] if docstring is not None else statements:
            _tokens(statement, body_tokens, nested)
    text = _own_text(item.outer, nested, source)
    return " ".join(signature), " ".join(decorators), docstring, " ".join(body_tokens), text


def _docstring(statement: Node) -> str | None:
    """The cleaned docstring if the statement is one (a plain string expression), else None."""
    if statement.type != "expression_statement" or statement.named_child_count != 1:
        return None
    node = statement.named_children[0]
    if node.type not in ("string", "concatenated_string"):
        return None
    value = _literal(node)
    return inspect.cleandoc(value) if isinstance(value, str) else None


def _literal(node: Node) -> object:
    """The value of a string or number literal; None if it is not a plain literal (f-string)."""
    try:
        return ast.literal_eval(_text(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _tokens(node: Node, out: list[str], nested: list[Node] | None = None) -> None:
    """Append the normalized tokens of node; nested function definitions become placeholders."""
    kind = node.type
    if kind in _SKIPPED:
        return
    if kind == "function_definition" or (
        kind == "decorated_definition"
        and (inner := node.child_by_field_name("definition")) is not None
        and inner.type == "function_definition"
    ):
        func = node if kind == "function_definition" else node.child_by_field_name("definition")
        out.append(f"<def {_name(func)}>" if func is not None else "<def>")
        if nested is not None:
            nested.append(node)
        return
    if kind == "parenthesized_expression":
        for child in node.named_children:
            _tokens(child, out, nested)
        return
    if kind in ("string", "concatenated_string", "integer", "float"):
        value = _literal(node)
        if value is not None:
            out.append(repr(value))
            return
    if kind in ("string_start", "string_end"):
        out.append(_text(node).lower().strip("'\""))
        return
    if node.child_count == 0:
        text = _text(node)
        if text not in _DROPPED_LEAVES:
            out.append(text)
        return
    out.append("(" + _RENAMED_TYPES.get(kind, kind))
    for child in node.children:
        _tokens(child, out, nested)
    out.append(")")


def _own_text(outer: Node, nested: list[Node], source: bytes) -> str:
    """Source of the definition from the start of its first line, nested definitions cut out."""
    start = source.rfind(b"\n", 0, outer.start_byte) + 1
    pieces: list[bytes] = []
    cursor = start
    for node in nested:
        pieces.append(source[cursor : node.start_byte])
        pieces.append(b"<def>")
        cursor = node.end_byte
    pieces.append(source[cursor : outer.end_byte])
    return textwrap.dedent(b"".join(pieces).decode("utf-8", "replace"))

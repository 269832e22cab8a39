"""Find every function definition in a Python source with tree-sitter and fingerprint it.

A fingerprint is the normalized token stream of tokens.py, per aspect (signature,
decorators, docstring, body). Equal fingerprints mean equal behaviour up to
formatting, so a comment-only or reformatting edit is cosmetic rather than modified.
"""

from __future__ import annotations

import hashlib
import inspect
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Tree

from preflight.changes.signatures import Parameters, extract
from preflight.changes.tokens import SKIPPED, literal, node_name, tokens
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


class Definition:
    """A function as found in one version of a file (same-named definitions merged).

    The own text is cheap and always there; the fingerprints walk the syntax tree,
    so they are computed on first use: most functions of a changed file are
    untouched, and equal text settles them without a walk.
    """

    __slots__ = ("_code", "_items", "_source", "has_error", "local", "node_text", "raw", "span")

    def __init__(self, local: str, items: list[_Found], source: bytes) -> None:
        self.local = local
        """Nesting without the module: Class.method, outer.inner."""
        self.span = LineSpan(
            min(i.outer.start_point[0] for i in items) + 1, max(i.outer.end_point[0] for i in items) + 1
        )
        """First decorator line to last line, over all merged definitions."""
        self.raw = b"\0".join(source[_line_start(source, i.outer) : i.outer.end_byte] for i in items)
        """Exact source including nested definitions: equal raw bytes settle a comparison at once."""
        self.has_error = any(i.outer.has_error for i in items)
        """The definition contains a syntax error."""
        self._items = items
        self._source = source
        self.node_text: str | None = None
        self._code: tuple[str, str, str | None, str] | None = None

    @property
    def text(self) -> str:
        """Own source text, dedented, nested definitions cut out: equal text means untouched."""
        if self.node_text is None:
            self.node_text = "\n\0\n".join(_own_text(i.outer, i.nested, self._source) for i in self._items)
        return self.node_text

    @property
    def name(self) -> str:
        """The last component of the local name."""
        return self.local.rsplit(".", 1)[-1]

    @property
    def code(self) -> tuple[str, str, str | None, str]:
        """Fingerprints of (signature, decorators, docstring, body): behaviour except the name."""
        if self._code is None:
            parts = [_fingerprint(item) for item in self._items]
            docstrings = [p[2] for p in parts if p[2] is not None]
            self._code = (
                _digest(p[0] for p in parts),
                _digest(p[1] for p in parts),
                "\n\0\n".join(docstrings) if docstrings else None,
                _digest(p[3] for p in parts),
            )
        return self._code

    @property
    def signature(self) -> str:
        """Fingerprint of parameters, defaults, annotations, return type and async."""
        return self.code[0]

    @property
    def parameters(self) -> tuple[Parameters, ...]:
        """The parameter list of each merged definition, as callers see it (not cached: rarely asked)."""
        return tuple(extract(item.func, item.outer) for item in self._items)

    @property
    def decorators(self) -> str:
        """Fingerprint of the decorator expressions."""
        return self.code[1]

    @property
    def docstring(self) -> str | None:
        """The cleaned docstring (inspect.cleandoc), or None."""
        return self.code[2]

    @property
    def body(self) -> str:
        """Fingerprint of the body without the docstring, nested definitions as placeholders."""
        return self.code[3]


@dataclass(frozen=True, slots=True)
class ParsedSource:
    """All definitions of one file version, keyed by local name."""

    definitions: dict[str, Definition]
    error_line: int | None
    """First line with a syntax error, or None when the file parsed cleanly."""
    tree: Tree
    """The syntax tree, to re-parse the next version incrementally."""


@dataclass(slots=True)
class _Found:
    local: str
    outer: Node  # decorated_definition when decorated, else the function_definition
    func: Node
    nested: list[Node] = field(default_factory=list)
    """Outermost function definitions inside this one (cut out of its own text)."""


def parse(source: bytes, previous: Tree | None = None) -> ParsedSource:
    """Parse UTF-8 Python source and return its function definitions.

    previous is an edited tree of an earlier version (see `edited`) to re-parse from.
    """
    tree = _PARSER.parse(source, previous) if previous is not None else _PARSER.parse(source)
    if previous is not None and tree.root_node.has_error:
        tree = _PARSER.parse(source)  # error recovery may differ when reusing a tree: be exact
    found: list[_Found] = []
    _collect(tree.root_node, "", found, None)
    grouped: dict[str, list[_Found]] = {}
    for item in found:
        grouped.setdefault(item.local, []).append(item)
    definitions = {local: Definition(local, items, source) for local, items in grouped.items()}
    error_line = _first_error_line(tree.root_node) if tree.root_node.has_error else None
    return ParsedSource(definitions, error_line, tree)


def edited(
    tree: Tree, old: list[bytes], new: list[bytes], opcodes: list[tuple[str, int, int, int, int]]
) -> Tree:
    """A copy of tree with the line edits that turn old into new applied, for incremental parsing.

    Edits are applied in order, so each one is in the coordinates of the text with
    the earlier ones done: everything before line j1 is already new text.
    """
    copy = tree.copy()
    offsets = [0]
    for line in new:
        offsets.append(offsets[-1] + len(line))
    for _, i1, i2, j1, j2 in opcodes:
        start = offsets[j1]
        removed = sum(len(line) for line in old[i1:i2])
        copy.edit(
            start_byte=start,
            old_end_byte=start + removed,
            new_end_byte=offsets[j2],
            start_point=(j1, 0),
            old_end_point=(j1 + i2 - i1, 0),
            new_end_point=(j2, 0),
        )
    return copy


def _collect(node: Node, prefix: str, found: list[_Found], enclosing: _Found | None) -> None:
    """Find definitions in document order; enclosing is the innermost function around node."""
    for child in node.named_children:
        kind = child.type
        outer = child
        if kind == "decorated_definition":
            inner = child.child_by_field_name("definition")
            if inner is None:
                continue
            child, kind = inner, inner.type
        if kind == "function_definition":
            item = _Found(prefix + node_name(child), outer, child)
            found.append(item)
            if enclosing is not None:
                enclosing.nested.append(outer)
            body = child.child_by_field_name("body")
            if body is not None:
                _collect(body, item.local + ".", found, item)
        elif kind == "class_definition":
            body = child.child_by_field_name("body")
            if body is not None:
                _collect(body, prefix + node_name(child) + ".", found, enclosing)
        elif kind in _CONTAINERS:
            _collect(child, prefix, found, enclosing)


def _first_error_line(node: Node) -> int | None:
    if node.type == "ERROR" or node.is_missing:
        return node.start_point[0] + 1
    for child in node.children:
        if child.has_error:
            return _first_error_line(child)
    return None


def _digest(chunks: Iterator[str]) -> str:
    return hashlib.blake2b("\n\0\n".join(chunks).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _fingerprint(item: _Found) -> tuple[str, str, str | None, str]:
    func = item.func
    signature: list[str] = []
    for child in func.children:
        if child.type == "async":
            signature.append("async")
    for name in ("type_parameters", "parameters", "return_type"):
        node = func.child_by_field_name(name)
        signature.append(name)
        if node is not None:
            tokens(node, signature)
    decorators: list[str] = []
    if item.outer is not func:
        for child in item.outer.named_children:
            if child.type == "decorator":
                decorators.append("@")
                tokens(child, decorators)
    body_tokens: list[str] = []
    docstring = None
    body = func.child_by_field_name("body")
    if body is not None:
        statements = [c for c in body.named_children if c.type not in SKIPPED]
        docstring = _docstring(statements[0]) if statements else None
        for statement in statements[1:] if docstring is not None else statements:
            tokens(statement, body_tokens)
    return " ".join(signature), " ".join(decorators), docstring, " ".join(body_tokens)


def _docstring(statement: Node) -> str | None:
    """The cleaned docstring if the statement is one (a plain string expression), else None."""
    if statement.type != "expression_statement" or statement.named_child_count != 1:
        return None
    node = statement.named_children[0]
    if node.type not in ("string", "concatenated_string"):
        return None
    value = literal(node)
    return inspect.cleandoc(value) if isinstance(value, str) else None


def _line_start(source: bytes, node: Node) -> int:
    return source.rfind(b"\n", 0, node.start_byte) + 1


def _own_text(outer: Node, nested: list[Node], source: bytes) -> str:
    """Source of the definition from the start of its first line, nested definitions cut out."""
    start = _line_start(source, outer)
    pieces: list[bytes] = []
    cursor = start
    for node in nested:
        pieces.append(source[cursor : node.start_byte])
        func = node.child_by_field_name("definition") if node.type == "decorated_definition" else node
        pieces.append(f"<def {node_name(func) if func is not None else ''}>".encode())
        cursor = node.end_byte
    pieces.append(source[cursor : outer.end_byte])
    return textwrap.dedent(b"".join(pieces).decode("utf-8", "replace"))

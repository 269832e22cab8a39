"""Normalized token streams of Python syntax: what "the same code" means to preflight.

Comments, line continuations, commas and parentheses are dropped (tree structure
carries their meaning); string and number literals are compared by value (read
with ast.literal_eval, which evaluates nothing); `a, b` equals `(a, b)` and
`a[1, 2]` equals `a[(1, 2)]`; f-strings and implicit concatenation compare as
Python sees them; nested function definitions become `<def name>` placeholders.
"""

from __future__ import annotations

import ast

from tree_sitter import Node

SKIPPED = frozenset({"comment", "line_continuation"})
_DROPPED_LEAVES = frozenset({",", "(", ")"})
_RENAMED_TYPES = {
    "expression_list": "tuple",
    "pattern_list": "tuple",
    "tuple_pattern": "tuple",
}


def node_name(node: Node) -> str:
    name = node.child_by_field_name("name")
    return node_text(name) if name is not None else "<unnamed>"


def node_text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def literal(node: Node) -> object:
    """The value of a string or number literal; None if it is not a plain literal (f-string)."""
    return literal_text(node_text(node))


def literal_text(text: str) -> object:
    # Fast paths for the common plain cases; ast.literal_eval (never eval) for everything else.
    first = text[:1]
    if first.isdigit() and text.isdigit() and (first != "0" or text == "0"):
        return int(text)
    if (
        first in ("'", '"')
        and len(text) >= 2
        and text[-1] == first
        and not text.startswith(first * 3)
        and "\\" not in text
        and first not in text[1:-1]
    ):
        return text[1:-1]
    try:  # parenthesized so that implicitly concatenated strings may span lines
        return ast.literal_eval(f"({text})")
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


_SPECIAL = frozenset(
    {
        "comment",
        "line_continuation",
        "function_definition",
        "decorated_definition",
        "parenthesized_expression",
        "string",
        "concatenated_string",
        "integer",
        "float",
        "subscript",
    }
)


def tokens(node: Node, out: list[str]) -> None:
    """Append the normalized tokens of node; nested function definitions become placeholders.

    The walk keeps its own stack instead of recursing: valid Python nests as deep as it likes
    (a 1,000-term `a + b + ...` is 1,000 levels), and Python's recursion limit is not the code's.
    """
    stack: list[Node | str] = [node]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        if isinstance(item, str):
            out.append(item)
            continue
        kind = item.type
        if kind not in _SPECIAL:  # the common case first: plain nodes and leaves
            children = item.children
            if not children:
                text = (item.text or b"").decode("utf-8", "replace")
                if text not in _DROPPED_LEAVES:
                    out.append(text)
                continue
            out.append("(" + _RENAMED_TYPES.get(kind, kind))
            push(")")
            stack.extend(reversed(children))
            continue
        stack.extend(reversed(_special(item, kind)))


def _special(node: Node, kind: str) -> list[Node | str]:
    """The tokens (str) and subtrees still to walk (Node) of one node of a _SPECIAL kind, in order."""
    if kind in SKIPPED:
        return []
    if kind == "function_definition" or kind == "decorated_definition":
        func = node if kind == "function_definition" else node.child_by_field_name("definition")
        if func is not None and func.type == "function_definition":
            return [f"<def {node_name(func)}>"]
        # a decorated class: its methods are replaced one by one
        return ["(" + kind, *node.children, ")"]
    if kind == "parenthesized_expression":
        return list(node.named_children)
    if kind == "subscript":
        return _subscript_items(node)
    value = literal(node)
    if value is not None:
        return [repr(value)]
    if kind in ("string", "concatenated_string"):
        return _fstring_items(node)
    return [node_text(node).lower()]


def _fstring_items(node: Node) -> list[Node | str]:
    """An f-string (possibly implicitly concatenated) as Python sees it: literal text merged, values apart."""
    parts = [node] if node.type == "string" else [c for c in node.named_children if c.type == "string"]
    items: list[Node | str] = ["(fstring"]
    pending: list[str] = []
    for part in parts:
        start = part.child_by_field_name("start") or part.children[0]
        end = part.children[-1]
        prefix = node_text(start)
        if "f" not in prefix.lower():
            value = literal(part)
            pending.append(value if isinstance(value, str) else node_text(part))
            continue
        plain = prefix.replace("f", "").replace("F", "")
        for child in part.named_children:
            if child.type == "string_content":
                value = literal_text(plain + node_text(child) + node_text(end))
                text = value if isinstance(value, str) else node_text(child)
                pending.append(text.replace("{{", "{").replace("}}", "}"))
            elif child.type == "interpolation":
                if pending:
                    items.append(repr("".join(pending)))
                    pending = []
                items.append(child)
    if pending:
        items.append(repr("".join(pending)))
    items.append(")")
    return items


def _subscript_items(node: Node) -> list[Node | str]:
    """`a[1, 2]` is `a[(1, 2)]`: several subscripts (or a trailing comma) form a tuple."""
    items: list[Node | str] = ["(subscript"]
    value = node.child_by_field_name("value")
    if value is not None:
        items.append(value)
    subscripts = node.children_by_field_name("subscript")
    as_tuple = len(subscripts) > 1 or any(c.type == "," for c in node.children)
    if as_tuple:
        items.append("(tuple")
    items.extend(subscripts)
    if as_tuple:
        items.append(")")
    items.append(")")
    return items

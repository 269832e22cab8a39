"""statements: code outside any def, collected and compared by scope."""

from __future__ import annotations

from tree_sitter import Node

from preflight.changes.definitions import parse
from preflight.changes.statements import ScopeChange, collect, compare, mentions
from preflight.models import LineSpan


def root(source: str) -> Node:
    return parse(source.encode()).tree.root_node


def changes(old: str, new: str) -> list[ScopeChange]:
    return compare(collect(root(old)), collect(root(new)))


def test_collect_lists_statements_outside_defs_with_their_scope_and_names() -> None:
    source = (
        "import os.path\n"
        "from a import b as c\n"
        "X, Y = 1, 2\n"
        "def f():\n    z = 3\n"
        "class K(Base):\n    attr: int = 1\n    def m(self):\n        w = 4\n"
        "print(X)\n"
    )
    assert [(s.scope, s.names) for s in collect(root(source))] == [
        ("", ("os",)),
        ("", ("c",)),
        ("", ("X", "Y")),
        ("", ("K",)),
        ("K", ("attr",)),
        ("", ()),
    ]


def test_class_statement_text_and_key_leave_out_the_body() -> None:
    statements = collect(root("@dataclass\nclass K(Base):\n    attr = 1\n"))
    header = next(s for s in statements if s.header is not None)
    assert header.text == b"@dataclass\nclass K(Base):\n    "
    assert "class K" in header.key()
    assert "attr" not in header.key()


def test_comments_and_format_are_no_change() -> None:
    assert changes("X = 1\nY = [1, 2]\n", "X = 1  # one\nY = [\n    1,\n    2,\n]\n") == []


def test_changed_constant_reports_its_scope_names_and_lines() -> None:
    old = "A = 1\nB = 2\n\ndef f():\n    return B\n"
    new = "A = 1\nB = 3\n\ndef f():\n    return B\n"
    assert changes(old, new) == [ScopeChange("", ("B",), LineSpan(2, 2), LineSpan(2, 2))]


def test_class_body_and_bases_changes_are_reported_by_scope() -> None:
    old = "class K(A):\n    limit = 1\n"
    new = "class K(B):\n    limit = 2\n"
    assert changes(old, new) == [
        ScopeChange("", ("K",), LineSpan(1, 2), LineSpan(1, 2)),
        ScopeChange("K", ("limit",), LineSpan(2, 2), LineSpan(2, 2)),
    ]


def test_added_statement_has_no_old_span_and_new_class_is_no_scope_change() -> None:
    old = "A = 1\n"
    new = "A = 1\nB = 2\nclass New:\n    x = 1\n"
    assert changes(old, new) == [ScopeChange("", ("B",), None, LineSpan(2, 2))]


def test_mentions_finds_identifiers_by_name_and_line() -> None:
    tree = root("RATE = 1\ndef f():\n    return RATE + other.RATE\n")
    assert sorted(mentions(tree, ["RATE"])) == [("RATE", 1), ("RATE", 3), ("RATE", 3)]
    assert mentions(tree, []) == []

"""tokens: normalized token streams, literals compared by value."""

from __future__ import annotations

import pytest
from tree_sitter import Node

from preflight.changes.definitions import parse
from preflight.changes.tokens import literal, literal_text, node_name, node_text, tokens


def root(source: str) -> Node:
    return parse(source.encode()).tree.root_node


def stream(source: str) -> str:
    out: list[str] = []
    tokens(root(source), out)
    return " ".join(out)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("x = 1  # one\n", "x = 1\n"),
        ("x = (1)\n", "x = 1\n"),
        ("a, b = 1, 2\n", "(a, b) = (1, 2)\n"),
        ("v = a[1, 2]\n", "v = a[(1, 2)]\n"),
        ("s = 'abc'\n", 's = "abc"\n'),
        ("s = 'ab' 'c'\n", "s = 'abc'\n"),
        ("n = 0x10\n", "n = 16\n"),
        ("y = f(1,\n      2)\n", "y = f(1, 2)\n"),
        ("z = 1 + \\\n    2\n", "z = 1 + 2\n"),
    ],
)
def test_same_code_up_to_format_has_the_same_tokens(old: str, new: str) -> None:
    assert stream(old) == stream(new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("x = 1\n", "x = 2\n"),
        ("s = 'a'\n", "s = 'b'\n"),
        ("y = f(a, b)\n", "y = f(b, a)\n"),
        ("n = 1.0\n", "n = 1.5\n"),
        ("t = f'{a}'\n", "t = f'{b}'\n"),
    ],
)
def test_different_code_has_different_tokens(old: str, new: str) -> None:
    assert stream(old) != stream(new)


def body_stream(source: str) -> str:
    body = root(source).named_children[0].child_by_field_name("body")
    assert body is not None
    out: list[str] = []
    tokens(body, out)
    return " ".join(out)


def test_nested_definitions_become_placeholders() -> None:
    outer = body_stream("def f():\n    def inner():\n        return 1\n    return inner\n")
    edited = body_stream("def f():\n    def inner():\n        return 2\n    return inner\n")
    assert outer == edited
    assert "<def inner>" in outer
    assert stream("def f():\n    return 1\n") == "(module <def f> )"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("42", 42),
        ("'plain'", "plain"),
        ('"it\'s"', "it's"),
        ("'a\\tb'", "a\tb"),
        ("0o17", 15),
        ("1_000", 1000),
        ("'''doc'''", "doc"),
        ("'a' 'b'", "ab"),
        ("f'{x}'", None),
        ("name", None),
    ],
)
def test_literal_text_reads_values_without_evaluating(text: str, value: object) -> None:
    assert literal_text(text) == value


def test_node_helpers_read_names_text_and_literals() -> None:
    module = root("def run(a):\n    return 'x'\n")
    function = module.named_children[0]
    assert node_name(function) == "run"
    assert node_text(function).startswith("def run(a):")
    assert node_name(module) == "<unnamed>"
    body = function.child_by_field_name("body")
    assert body is not None
    string = body.named_children[0].named_children[0]
    assert literal(string) == "x"

"""tree-sitter parsing: definitions, spans, fingerprints and incremental re-parsing."""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.changes import definitions, sources

SOURCE = textwrap.dedent(
    '''
    import functools


    @functools.cache
    def top(a, b=1, *args, key: str = "k", **kw) -> int:
        """Top doc."""
        return a + b


    class Service:
        class Inner:
            async def deep(self):
                return None

        @property
        def value(self):
            return self._v

        @value.setter
        def value(self, v):
            self._v = v

        def method(self):
            def helper(x):
                def innermost():
                    return x
                return innermost
            return helper(1)


    if True:
        def conditional():
            pass
    else:
        def conditional():
            return 1

    match command:
        case "go":
            def in_match():
                return "go"
    '''
).encode()


def test_finds_every_definition_with_nesting_and_spans() -> None:
    parsed = definitions.parse(SOURCE)
    spans = {name: (d.span.start, d.span.end) for name, d in parsed.definitions.items()}
    assert spans == {
        "top": (5, 8),
        "Service.Inner.deep": (13, 14),
        "Service.value": (16, 22),
        "Service.method": (24, 29),
        "Service.method.helper": (25, 28),
        "Service.method.helper.innermost": (26, 27),
        "conditional": (33, 37),
        "in_match": (41, 42),
    }
    assert parsed.error_line is None


def test_docstring_is_cleaned_and_separate_from_body() -> None:
    top = definitions.parse(SOURCE).definitions["top"]
    assert top.docstring == "Top doc."
    same_body = definitions.parse(SOURCE.replace(b"Top doc.", b"Other.")).definitions["top"]
    assert same_body.body == top.body and same_body.docstring != top.docstring


def test_own_text_cuts_nested_definitions_but_keeps_their_names() -> None:
    method = definitions.parse(SOURCE).definitions["Service.method"]
    assert method.text == "def method(self):\n    <def helper>\n    return helper(1)"


def test_syntax_error_line_is_reported() -> None:
    parsed = definitions.parse(b"def ok():\n    return 1\n\ndef broken(:\n    pass\n")
    assert parsed.error_line == 4
    assert "ok" in parsed.definitions


def test_formatting_does_not_change_fingerprints() -> None:
    a = definitions.parse(b"def f(x, y=(1,)):\n    return {'a': [x,y], 'b': 1_000}\n").definitions["f"]
    b = definitions.parse(
        b'def f(\n    x,\n    y=(1,),\n):\n    # note\n    return {\n        "a": [x, y],\n        "b": 1000,\n    }\n'
    ).definitions["f"]
    assert a.code == b.code and a.text != b.text


def test_one_element_tuple_is_not_a_parenthesized_value() -> None:
    a = definitions.parse(b"def f():\n    return (1,)\n").definitions["f"]
    b = definitions.parse(b"def f():\n    return (1)\n").definitions["f"]
    assert a.body != b.body


LINES = st.sampled_from(
    [
        "def f(a):\n",
        "    return a + 1\n",
        "class C:\n",
        "    def m(self):\n",
        "        pass\n",
        "x = [1,\n",
        "     2]\n",
        "# comment\n",
        "\n",
        '"""doc"""\n',
        "if x:\n",
        "    def g(): return 'é'\n",
        "def broken(:\n",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=25), st.lists(LINES, max_size=25))
def test_incremental_parse_equals_a_fresh_parse(old_lines: list[str], new_lines: list[str]) -> None:
    old, new = "".join(old_lines).encode(), "".join(new_lines).encode()
    before = definitions.parse(old)
    ol, nl = sources.split_lines(old), sources.split_lines(new)
    tree = definitions.edited(before.tree, ol, nl, sources.line_diff(ol, nl))
    incremental = definitions.parse(new, tree)
    fresh = definitions.parse(new)
    assert str(incremental.tree.root_node) == str(fresh.tree.root_node)
    assert {k: (d.span, d.text, d.code) for k, d in incremental.definitions.items()} == {
        k: (d.span, d.text, d.code) for k, d in fresh.definitions.items()
    }

"""Flow-sensitive reads (preflight/callgraph/flow.py): precise in straight-line code, sound elsewhere.

Every program here was run under tracing (bench/callgraph_trace.py) when it was written: the
edges asserted present are the ones that ran; the ones asserted absent never can.
"""

from __future__ import annotations

import textwrap

import pytest

from preflight.callgraph import build
from preflight.callgraph.file_summary import UNKNOWN
from preflight.callgraph.flow import Flow, known

HEAD = """\
import contextlib


def a():
    return "a"


def b():
    return "b"


def c():
    return "c"
"""


def callees(body: str, function: str = "f") -> set[str]:
    """The repository functions that main.<function> calls, of HEAD plus body."""
    graph = build({"main.py": HEAD + textwrap.dedent(body)})
    return {callee for callee in graph.edges[f"main.{function}"] if callee.startswith("main.")}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("def f():\n    g = a\n    g = b\n    g()\n", {"main.b"}),
        ("def f(flag):\n    g = a\n    if flag:\n        g = b\n    g()\n", {"main.a", "main.b"}),
        (
            "def f(flag):\n    if flag:\n        g = a\n    else:\n        g = b\n    g()\n",
            {"main.a", "main.b"},
        ),
        ("def f():\n    d = {'k': a}\n    d['k'] = b\n    d['k']()\n", {"main.b"}),
        ("def f():\n    d = {'k': a, 'j': c}\n    d['k'] = b\n    d['j']()\n", {"main.c"}),
        ("def f():\n    fs = [a, b]\n    fs[0] = c\n    fs[0]()\n    fs[-1]()\n", {"main.b", "main.c"}),
        ("def f():\n    fs = [a]\n    fs.append(b)\n    fs[1]()\n", {"main.b"}),
    ],
    ids=["straight", "if", "if-else", "dict key", "other key", "list index", "append"],
)
def test_straight_line_code_is_precise(body: str, expected: set[str]) -> None:
    assert callees(body) == expected


@pytest.mark.parametrize(
    ("body", "ran"),
    [
        # a comprehension's variable is its own: the function's keeps its value
        ("def f():\n    x = a\n    [x for x in [b]]\n    x()\n", {"main.a"}),
        # a generator expression runs when consumed, after the rebinding
        ("def f():\n    g = a\n    gen = (g() for _ in range(1))\n    g = b\n    list(gen)\n", {"main.b"}),
        # the loop's second turn sees what the nested function rebound
        (
            "def f():\n    g = a\n    for _ in range(2):\n        g()\n\n"
            "        def swap():\n            nonlocal g\n            g = b\n\n        swap()\n",
            {"main.a", "main.b"},
        ),
        # __exit__ swallows the exception part-way through the block
        (
            "def f():\n    g = a\n    with contextlib.suppress(ZeroDivisionError):\n"
            "        g = b\n        1 / 0\n        g = c\n    g()\n",
            {"main.b"},
        ),
        (
            "def f(value):\n    g = a\n    match value:\n        case 1:\n            g = b\n"
            "        case _:\n            g()\n    g()\n",
            {"main.a", "main.b"},
        ),
        ("def f():\n    fs = [a]\n    fs += [b]\n    for g in fs:\n        g()\n", {"main.a", "main.b"}),
        ("def f():\n    x = y = [a]\n    y[0] = b\n    x[0]()\n", {"main.b"}),
        ("def f(key):\n    table = {'k': b, key: a}\n    table['k']()\n", {"main.a", "main.b"}),
        (
            "def put(items):\n    items.append(b)\n\n\ndef f():\n    fs = [a]\n    put(fs)\n    fs[-1]()\n",
            {"main.b"},
        ),
        (
            "def f():\n    g = a\n    n = 0\n    while n < 2:\n        g()\n        g = b\n        n += 1\n",
            {"main.a", "main.b"},
        ),
        (
            "def f():\n    g = a\n    try:\n        g = b\n        raise ValueError\n"
            "    except ValueError:\n        g()\n    finally:\n        g()\n",
            {"main.b"},
        ),
        ("def f():\n    g = a\n    g = contextlib.nullcontext(g).enter_result\n    g()\n", {"main.a"}),
        (
            "def f():\n    d = {'k': a}\n\n    def swap():\n        d['k'] = b\n\n    swap()\n    d['k']()\n",
            {"main.b"},
        ),
    ],
    ids=[
        "comprehension variable",
        "generator expression",
        "nonlocal in a loop",
        "with",
        "match",
        "augmented",
        "chained assignment",
        "computed key",
        "list passed on",
        "while",
        "try",
        "rebound to a call's result",
        "closure changes an element",
    ],
)
def test_what_ran_is_found(body: str, ran: set[str]) -> None:
    """Sound: every call that ran is an edge (more may be found where flow is not certain)."""
    assert callees(body) >= ran


def test_module_level_code_and_global_writes() -> None:
    body = """
    g = a
    g = b
    g()
    STATE = a


    def set_state():
        global STATE
        STATE = c


    set_state()
    STATE()
    """
    graph = build({"main.py": HEAD + textwrap.dedent(body)})
    assert {c for c in graph.edges["main"] if c.startswith("main.")} == {
        "main.a",
        "main.b",
        "main.c",
        "main.set_state",
    }


def test_a_read_in_a_nested_function_sees_every_value() -> None:
    body = "def f():\n    g = a\n\n    def inner():\n        g()\n\n    g = b\n    inner()\n"
    assert callees(body, "f.inner") == {"main.a", "main.b"}


def test_known_values() -> None:
    assert known(("f", "m.a")) and known(("s", "m.f.x")) and known(("tuple", (), ("k", "m.f#k1")))
    assert not known(("s", "m.f#r2")) and not known(UNKNOWN)
    assert not known(("a", ("s", "m.f#r2"), "x")) and known(("a", ("s", "m.f.self"), "x"))
    assert not known(("|", (("f", "m.a"), ("s", "m.f#r1"))))


def test_merge_keeps_what_every_branch_agrees_on() -> None:
    flow = Flow()
    flow.assign("x", ("f", "a"))
    flow.literal("d", {"k": ("f", "a"), "j": ("f", "b")}, None)
    before = flow.snapshot()
    flow.assign("x", ("f", "b"))
    flow.store("d", "k", ("f", "c"))
    first = flow.snapshot()
    flow.restore(before)
    flow.merge([first, before])
    assert flow.read("x", escape=False) == ("|", (("f", "b"), ("f", "a")))
    assert flow.element("d", "j") == ("f", "b")
    assert flow.element("d", "k") is None


def test_forget_drops_what_a_region_binds() -> None:
    flow = Flow()
    flow.sites = {"x": [10], "y": [50]}
    flow.assign("x", ("f", "a"))
    flow.assign("y", ("f", "b"))
    flow.forget(40, 60)
    assert flow.read("x", escape=False) == ("f", "a")
    assert flow.read("y", escape=False) is None
    flow.nested = [5]
    flow.forget(0, 20)
    assert not flow.versions

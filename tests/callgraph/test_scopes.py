"""Scopes: which slot a name reads or writes; nested functions and closures."""

from __future__ import annotations

from preflight.callgraph import build
from preflight.callgraph.file_summary import UNKNOWN
from preflight.callgraph.scopes import CLASS, FUNCTION, LAMBDA, MODULE, Scope, collect_bindings
from preflight.callgraph.summary import parse


def test_nested_functions_and_closures() -> None:
    source = (
        "def outer():\n    def helper(): pass\n    def inner():\n        helper()\n    inner()\nouter()\n"
    )
    graph = build({"m.py": source}).to_pycg()
    assert graph["m.outer"] == ["m.outer.inner"]
    assert graph["m.outer.inner"] == ["m.outer.helper"]


def test_reads_see_function_and_enclosing_bindings_but_not_the_class_body() -> None:
    module = Scope(MODULE, "m", "m", None)
    cls = Scope(CLASS, "m.K", "m", module)
    cls.bound.add("limit")
    method = Scope(FUNCTION, "m.K.run", "m", cls)
    method.bound.add("x")
    assert method.read("x") == ("s", "m.K.run.x")
    assert method.read("limit") == ("g", "m", "limit")
    assert cls.read("limit") == ("s", "m.K.limit")
    assert module.read("anything") == ("g", "m", "anything")


def test_writes_follow_global_and_nonlocal_declarations() -> None:
    module = Scope(MODULE, "m", "m", None)
    outer = Scope(FUNCTION, "m.outer", "m", module)
    outer.bound.add("count")
    inner = Scope(FUNCTION, "m.outer.inner", "m", outer)
    inner.nonlocals.add("count")
    inner.globals.add("total")
    assert inner.write("count") == ("s", "m.outer.count")
    assert inner.write("total") == ("s", "m.total")
    assert inner.write("local") == ("s", "m.outer.inner.local")
    assert module.write("X") == ("s", "m.X")
    lam = Scope(LAMBDA, "m.outer", "m", outer)
    assert lam.write("y") == ("s", "m.outer.y")
    orphan = Scope(FUNCTION, "m.f", "m", module)
    orphan.nonlocals.add("gone")
    assert orphan.write("gone") == UNKNOWN


def test_collect_bindings_skips_nested_bodies() -> None:
    tree = parse(
        "import os.path\nfrom a import b as c\nx, (y, *z) = 1, (2, 3)\n"
        "def f():\n    hidden = 1\nclass K: pass\nfor i in []: pass\nwith open('p') as fh: pass\n"
    )
    assert tree is not None
    scope = Scope(MODULE, "m", "m", None)
    collect_bindings(tree.root_node, scope)
    assert {"os", "c", "x", "y", "z", "f", "K", "i", "fh"} <= scope.bound
    assert "hidden" not in scope.bound

"""Scopes: nested functions and closures."""

from __future__ import annotations

from preflight.callgraph import build


def test_nested_functions_and_closures() -> None:
    source = (
        "def outer():\n    def helper(): pass\n    def inner():\n        helper()\n    inner()\nouter()\n"
    )
    graph = build({"m.py": source}).to_pycg()
    assert graph["m.outer"] == ["m.outer.inner"]
    assert graph["m.outer.inner"] == ["m.outer.helper"]

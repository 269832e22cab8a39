"""CallGraph: its PyCG adjacency list, functions map and external callees."""

from __future__ import annotations

from preflight.callgraph import build


def test_module_level_code_and_every_function_is_a_key() -> None:
    graph = build({"m.py": "def f(): pass\ndef unused(): pass\nf()\nprint(len([]))\n"})
    assert graph.to_pycg() == {"m": ["<builtin>.len", "<builtin>.print", "m.f"], "m.f": [], "m.unused": []}
    assert graph.functions["m.unused"] == ("m.py", 2, 2)
    assert graph.external == frozenset({"<builtin>.len", "<builtin>.print"})

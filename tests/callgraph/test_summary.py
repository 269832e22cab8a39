"""summarize: one file's summary, read alone."""

from __future__ import annotations

from preflight.callgraph import build, summarize
from preflight.callgraph.summary import parse


def test_functions_map_spans_include_decorators() -> None:
    graph = build({"m.py": "import functools\n\n@functools.cache\ndef f():\n    return 1\n"})
    assert graph.functions == {"m.f": ("m.py", 3, 5)}


def test_summary_names_functions_classes_and_calls() -> None:
    source = "import os\nX = 1\n\n\nclass K(Base):\n    limit = 2\n\n    def run(self, n=1):\n        os.getcwd()\n"
    summary = summarize("src/pkg/mod.py", source)
    assert (summary.module, summary.package) == ("pkg.mod", False)
    assert set(summary.names) >= {"os", "X", "K"}
    assert [(f.qualname, f.first, f.last) for f in summary.functions] == [("pkg.mod.K.run", 8, 9)]
    assert [c.qualname for c in summary.classes] == ["pkg.mod.K"]
    assert [(c.scope, c.line) for c in summary.calls] == [("pkg.mod.K.run", 9)]


def test_parse_returns_none_for_text_that_is_not_utf8_throughout() -> None:
    tree = parse("def f():\n    pass\n")
    assert tree is not None
    assert tree.root_node.type == "module"
    assert parse("x = '\udcff'\n") is None
    assert summarize("m.py", "x = '\udcff'\ndef f(): pass\n").functions[0].qualname == "m.f"


def test_a_new_call_renames_only_the_later_results_of_calls_of_the_same_thing() -> None:
    """Call results are named by caller, what is called and its count there: a call added at the
    top of a body keeps the other calls' result slots (the incremental solver re-derives whatever
    depends on a renamed slot), and renames only the later calls of the same function."""
    body = "    group = parser.getgroup('x')\n    group.addoption('-v')\n    helper(1)\n"
    before = summarize("m.py", "def add(parser):\n" + body)
    after = summarize("m.py", "def add(parser):\n    helper(0)\n" + body)
    results = {call.line: call.result for call in before.calls}
    moved = {call.line - 1: call.result for call in after.calls if call.line > 2}
    assert moved[2] == results[2] and moved[3] == results[3]  # parser.getgroup, group.addoption
    assert moved[4] != results[4]  # the second call of helper now
    assert len({call.result for call in after.calls}) == len(after.calls)

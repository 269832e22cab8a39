"""link and build: the call graph of a whole program from its files' summaries."""

from __future__ import annotations

from preflight.callgraph import build, link, summarize

FILES = {
    "pkg/__init__.py": "",
    "pkg/a.py": "def helper():\n    pass\n",
    "pkg/b.py": "from pkg.a import helper\n\n\ndef main():\n    helper()\n",
}


def test_link_of_summaries_is_build_of_sources() -> None:
    linked = link(summarize(path, source) for path, source in FILES.items())
    assert linked == build(FILES)
    assert linked.to_pycg()["pkg.b.main"] == ["pkg.a.helper"]


def test_link_does_not_depend_on_summary_order() -> None:
    summaries = [summarize(path, source) for path, source in FILES.items()]
    assert link(reversed(summaries)) == link(summaries)


def test_build_of_nothing_is_an_empty_graph() -> None:
    graph = build({})
    assert (dict(graph.edges), dict(graph.functions), graph.external, dict(graph.unresolved)) == (
        {},
        {},
        frozenset(),
        {},
    )

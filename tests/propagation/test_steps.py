"""propagation/steps.py: the plan of steps, callees first, cycles together, groups whole."""

from __future__ import annotations

from preflight.models import Call, Service
from preflight.propagation.graph import ServiceGraph
from preflight.propagation.steps import plan


def test_plan_puts_callees_first_and_a_cycle_in_one_step() -> None:
    calls = [Call("f", "a"), Call("a", "b"), Call("b", "a", per_request=0.1), Call("f", "c"), Call("c", "d")]
    graph = ServiceGraph([Service(n) for n in "fabcde"], calls)
    # d and the a-b cycle have no reached callees; c waits for d, f for all of them; e is not reached
    assert plan(graph, ["d", "b"], {}) == [(False, ["d"]), (True, ["a", "b"]), (False, ["c"]), (False, ["f"])]


def test_plan_takes_every_node_of_a_group_one_of_whose_nodes_it_reaches() -> None:
    graph = ServiceGraph([Service("w GET /"), Service("w POST /"), Service("x")], [Call("w POST /", "x")])
    groups = {"w": (("w GET /", 0.5), ("w POST /", 0.5))}
    names = {name for _, step in plan(graph, ["x"], groups) for name in step}
    assert names == {"x", "w POST /", "w GET /"}  # GET / calls nothing reached, yet the mixture needs it

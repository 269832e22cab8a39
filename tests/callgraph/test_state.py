"""state: what the solver found, kept between runs."""

from __future__ import annotations

from preflight.callgraph import summarize
from preflight.callgraph.incremental import scratch
from preflight.callgraph.program import Program
from preflight.callgraph.state import Solved, SolverState


def test_a_new_state_is_empty() -> None:
    state = SolverState()
    assert (state.slots, state.edges, state.called, state.reasons, state.widened) == (
        {},
        {},
        set(),
        {},
        False,
    )
    assert SolverState() is not state and SolverState().slots is not state.slots


def test_a_solved_program_records_edges_reasons_and_writes() -> None:
    raws = {
        path: summarize(path, source).raw()
        for path, source in {
            "m.py": "import os\ndef g(): pass\ndef f(cb):\n    g()\n    cb()\n    os.getcwd()\n"
        }.items()
    }
    solved = scratch(raws)
    state = solved.state
    assert isinstance(solved, Solved)
    assert solved.raws == raws
    assert solved.redone == 1.0
    reached = {callee for found in state.edges.values() for callee in found}
    assert {"m.g", "os.getcwd"} <= reached
    assert {callee for found in state.external.values() for callee in found} == {"os.getcwd"}
    assert sorted(state.reasons.values()) == ["parameter of unknown value"]
    assert all(slots for slots in state.writes.values())


def test_solved_defaults_to_a_full_solve() -> None:
    solved = Solved({}, Program(), SolverState())
    assert solved.redone == 1.0

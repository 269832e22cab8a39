"""Solver: the worklist that evaluates constraints until no slot grows."""

from __future__ import annotations

import pytest

from preflight.callgraph import summarize
from preflight.callgraph.hierarchy import linearize
from preflight.callgraph.members import MAX_VALUES
from preflight.callgraph.program import Program, load
from preflight.callgraph.solver import Solver, Widened
from preflight.callgraph.state import SolverState


def program_of(files: dict[str, str]) -> Program:
    program = load(summarize(path, source).raw() for path, source in files.items())
    program.mro = linearize(program)
    return program


def callees(program: Program, state: SolverState) -> set[str]:
    return {callee for found in state.edges.values() for callee in found}


def test_iterate_reaches_callees_through_assignments_in_any_order() -> None:
    program = program_of({"m.py": "def g(): pass\ndef run():\n    h()\nh = g\nrun()\n"})
    state = SolverState()
    solver = Solver(program, state)
    solver.queue(reversed(range(len(program.constraints))))
    solver.iterate()
    assert callees(program, state) >= {"m.g", "m.run"}
    assert solver.evaluated == set(range(len(program.constraints)))
    assert not state.widened


def test_nothing_queued_evaluates_nothing() -> None:
    program = program_of({"m.py": "def g(): pass\ng()\n"})
    state = SolverState()
    solver = Solver(program, state)
    solver.queue([-1])
    solver.iterate()
    assert solver.evaluated == set()
    assert state.edges == {}


def test_a_removed_constraint_is_skipped() -> None:
    program = program_of({"m.py": "def g(): pass\ng()\n"})
    program.constraints = [None] * len(program.constraints)
    state = SolverState()
    solver = Solver(program, state)
    solver.queue(range(len(program.constraints)))
    solver.iterate()
    assert solver.evaluated == set()


def fan_in(count: int) -> dict[str, str]:
    functions = "".join(f"def f{i}(): pass\n" for i in range(count))
    calls = "".join(f"hub(f{i})\n" for i in range(count))
    return {"m.py": functions + "def hub(fn):\n    fn()\n" + calls}


def test_a_slot_past_the_cap_is_widened() -> None:
    program = program_of(fan_in(MAX_VALUES + 1))
    state = SolverState()
    solver = Solver(program, state)
    solver.queue(range(len(program.constraints)))
    solver.iterate()
    assert state.widened
    assert state.slots["m.hub.fn"] == {"*"}


def test_stop_on_widening_raises_with_the_slot() -> None:
    program = program_of(fan_in(MAX_VALUES + 1))
    solver = Solver(program, SolverState(), stop_on_widening=True)
    solver.queue(range(len(program.constraints)))
    with pytest.raises(Widened, match=r"m\.hub\.fn"):
        solver.iterate()

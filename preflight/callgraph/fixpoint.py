"""The two phases of a solve, from scratch or resumed (see incremental.py), and the graph they give.

Phase one iterates the monotone rules to their fixed point. Phase two then decides, on
that fixed point and so independently of the order of work, what was still unknown: a
method no call reaches with a receiver gets an instance of its own class as `self`, a
decorator without a value leaves the definition callable, and a lookup that found nothing
before an external base names the attribute there. The iteration then resumes.
"""

from __future__ import annotations

from collections.abc import Iterable

from preflight.callgraph.file_summary import Expr
from preflight.callgraph.graph import CallGraph
from preflight.callgraph.program import LAMBDA_MARK, Program
from preflight.callgraph.solver import Solver
from preflight.callgraph.state import SolverState


def _named(scope: str) -> str:
    """The named scope whose edges a constraint's calls are (a lambda's are its enclosing one's)."""
    return scope[: scope.index(LAMBDA_MARK)] if LAMBDA_MARK in scope else scope


def solve(program: Program) -> SolverState:
    """Solve a program from scratch."""
    state = SolverState()
    solver = Solver(program, state)
    seeds = program.seeds
    solver.queue(i for i, c in enumerate(program.constraints) if c is not None and i not in seeds)
    solver.iterate()
    decide(solver, seeds, {})
    solver.queue(state.seeded | solver.external_lookups | decorator_readers(state))
    solver.iterate()
    explain(solver, range(len(program.constraints)))
    return state


def decide(
    solver: Solver, seeds: set[int], undecided: dict[str, Expr], known: set[str] | None = None
) -> None:
    """At the first fixed point: which decorators have no value (those of an earlier run's
    undecided are checked again) and which seeds apply; then enter the second phase. known: the
    slots with values at this fixed point, when state.slots holds more (a resume's, incremental.py)."""
    state, program = solver.state, solver.program
    solver.known = known = set(state.slots) if known is None else known
    candidates = {**undecided, **solver.candidates}
    state.undecided = {}
    for result in sorted(candidates):
        solver._current = -1
        if not solver.ev(candidates[result]):
            state.undecided[result] = candidates[result]
    solver.discard()
    solver.second = True
    solver.forget_lookups()
    state.seeded = {i for i in seeds if _seed_slot(program, i) not in known}


def decorator_readers(state: SolverState) -> set[int]:
    """The constraints that met an undecided decorator."""
    out: set[int] = set()
    for result in state.undecided:
        out |= state.readers.get("?w:" + result, set())
    return out


def _seed_slot(program: Program, index: int) -> str:
    constraint = program.constraints[index]
    assert constraint is not None
    slot: str = constraint[1][1]
    return slot


def explain(solver: Solver, indexes: Iterable[int]) -> None:
    """Why each of these call sites that reached nothing (or, once its callee was widened, not
    everything) did (see Members.reason)."""
    state, constraints = solver.state, solver.program.constraints
    for index in indexes:
        constraint = constraints[index]
        if constraint is None or len(constraint) != 7 or constraint[1][0] == "P":
            state.reasons.pop(index, None)
            continue
        solver._current = index
        if index in state.called and not (state.widened and "*" in solver.ev(constraint[1])):
            state.reasons.pop(index, None)  # it reached something (a widened callee: not all of it)
            continue
        state.reasons[index] = solver.reason(constraint[1])
    solver.discard()


def graph(
    program: Program, state: SolverState, previous: CallGraph | None = None, callers: set[str] | None = None
) -> CallGraph:
    """The call graph a solved state gives: a lambda's calls are its enclosing named scope's, and
    calls of a lambda are no edges (lambdas are not nodes, as in a trace of the code).

    previous and callers: the graph of the state this one was resumed from, and the scopes of the
    constraints the resume evaluated, forgot, added or removed (Solved.callers); only their edges
    are made again, which gives the same graph as making them all."""
    redo = None if previous is None or callers is None else {_named(caller) for caller in callers}
    edges: dict[str, set[str]] = {module: set() for module in program.module_files}
    constraints = program.constraints
    for index, callees in state.edges.items():
        constraint = constraints[index]
        if constraint is not None and callees:
            caller = constraint[0]
            if LAMBDA_MARK in caller:
                caller = caller[: caller.index(LAMBDA_MARK)]
            if redo is not None and caller not in redo:
                continue
            named = {callee for callee in callees if LAMBDA_MARK not in callee}
            known = edges.get(caller)
            if known is None:
                edges[caller] = named
            else:
                known |= named
    for function in program.spans:
        edges.setdefault(function, set())
    if previous is not None and redo is not None:  # every other caller's edges are as they were
        edges.update((c, v) for c, v in previous.edges.items() if v and c not in redo)  # type: ignore[misc]
    external: set[str] = set()
    for callees in state.external.values():
        external |= callees
    unresolved: dict[str, int] = {}
    for reason in state.reasons.values():
        unresolved[reason] = unresolved.get(reason, 0) + 1
    return CallGraph(
        edges={c: v if isinstance(v, frozenset) else frozenset(v) for c, v in edges.items()},
        functions=dict(program.spans),
        external=frozenset(external),
        unresolved=dict(sorted(unresolved.items())),
    )

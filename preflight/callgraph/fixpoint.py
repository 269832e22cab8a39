"""The two phases of a solve, from scratch or resumed (see incremental.py), and the graph they give.

Phase one iterates the monotone rules to their fixed point. Phase two then decides, on
that fixed point and so independently of the order of work, what was still unknown: a
method no call reaches with a receiver gets an instance of its own class as `self`, a
decorator without a value leaves the definition callable, and a lookup that found nothing
before an external base names the attribute there. The iteration then resumes.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Mapping

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
    program: Program,
    state: SolverState,
    previous: CallGraph | None = None,
    callers: set[str] | None = None,
    modules: Mapping[str, str] | None = None,
) -> CallGraph:
    """The call graph a solved state gives: a lambda's calls are its enclosing named scope's, and
    calls of a lambda are no edges (lambdas are not nodes, as in a trace of the code).

    previous, callers and modules: the graph of the state this one was resumed from, the scopes of
    the constraints the resume evaluated, forgot, added or removed (Solved.callers), and each file's
    module (path -> module); only those scopes' edges are made again, from the constraints of the
    files that can hold them, which gives the same graph as making them all."""
    if previous is None or callers is None or modules is None:
        edges: dict[str, set[str]] = {module: set() for module in program.module_files}
        for caller, named in _edges(program, state, state.edges, None).items():
            known = edges.get(caller)
            edges[caller] = named if known is None else known | named
        for function in program.spans:
            edges.setdefault(function, set())
        made = {c: frozenset(v) for c, v in edges.items()}
    else:
        redo = {_named(caller) for caller in callers}
        by_module: dict[str, list[str]] = {}
        for path, module in modules.items():
            by_module.setdefault(module, []).append(path)
        made = dict(previous.edges)
        for caller in redo:
            made.pop(caller, None)
        remade = _edges(program, state, _owned(program, redo, by_module), redo)
        made.update((c, frozenset(v)) for c, v in remade.items())
        for name in program.spans.keys() - made.keys():
            made[name] = frozenset()
        for name in program.module_files - made.keys():
            made[name] = frozenset()
        # Neither a function nor a module, and no edges: a caller still if its calls reach only lambdas.
        empty = {name for name in made.keys() - program.spans.keys() - program.module_files if not made[name]}
        if empty:
            still = _edges(program, state, _owned(program, empty, by_module), empty)
            for name in empty - still.keys():
                del made[name]
    unresolved = collections.Counter(state.reasons.values())
    return CallGraph(
        edges=made,
        functions=dict(program.spans),
        external=frozenset().union(*state.external.values()),
        unresolved=dict(sorted(unresolved.items())),
    )


def _edges(
    program: Program, state: SolverState, indexes: Iterable[int], only: set[str] | None
) -> dict[str, set[str]]:
    """The named callers' edges of these constraints (only those of callers in only, if given);
    a caller whose calls reached only lambdas has none but is a key."""
    out: dict[str, set[str]] = {}
    constraints, found = program.constraints, state.edges
    for index in indexes:
        callees = found.get(index)
        if not callees:
            continue
        constraint = constraints[index]
        if constraint is None:
            continue
        caller = constraint[0]
        if LAMBDA_MARK in caller:
            caller = caller[: caller.index(LAMBDA_MARK)]
        if only is not None and caller not in only:
            continue
        named = {callee for callee in callees if LAMBDA_MARK not in callee}
        known = out.get(caller)
        if known is None:
            out[caller] = named
        else:
            known |= named
    return out


def _owned(program: Program, scopes: set[str], by_module: Mapping[str, list[str]]) -> list[int]:
    """The constraints of every file that can hold one of these scopes' code (by_module: module ->
    its files): a scope is its module's, or under it (`pkg.mod.Class.method`), so its file's module
    is a dotted prefix of it."""
    paths: set[str] = set()
    for scope in scopes:
        end = len(scope)
        while end != -1:
            paths.update(by_module.get(scope[:end], ()))
            end = scope.rfind(".", 0, end)
    out: list[int] = []
    for path in paths:
        out.extend(program.owners.get(path, ()))
    return out

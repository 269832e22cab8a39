"""Solving again after a change: keep what the change cannot have altered, re-derive the rest.

The solver's rules are monotone (members.py), so each phase's fixed point is the least one,
the same whatever the order of work, and any state below it is a valid place to resume
from. After a change, a slot is dirty when its values may have come from a removed
constraint or from a table entry (a module's names, a class's MRO, a function's
parameters) that changed; the constraints that read a dirty slot are tainted, and the
slots they wrote dirty in turn (delete and re-derive). Dirty slots are emptied, tainted
and new constraints evaluated again, and each phase resumes from there. The second phase's
decisions are checked again on the new first fixed point; where one flips, what it
derived is re-derived the same way.

A widened slot breaks monotonicity (a call through it stops counting): what its readers
found depends on the order of work. A change that reaches that part of the program (its
cone, widening.py), or a slot that widens while resuming, means solving from scratch, as
does a change that taints more than half of the program (resuming would cost more than it
saves). A caller that prefers speed to that exactness (the pre-push hook) may ask to resume
anyway: the state is then marked approximate (what readers of widened slots found, and what
follows from it, may differ from a cold solve), and an exact solve never resumes from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from preflight.callgraph import fixpoint, widening
from preflight.callgraph.file_summary import Function, RawSummary
from preflight.callgraph.hierarchy import linearize
from preflight.callgraph.program import Constraint, Program, add_function, add_tables, is_seed, load
from preflight.callgraph.solver import Solver, Widened
from preflight.callgraph.state import Solved, SolverState
from preflight.callgraph.tables import changed_slots

MAX_TAINTED = 0.5
"""When more than this share of the constraints is tainted or new, solving from scratch is cheaper."""


def solve(
    raws: Iterable[RawSummary], before: Solved | None = None, approximate: bool = False
) -> tuple[Solved, str]:
    """The solved program of raws, resumed from before where that is exact (or, with approximate,
    also through widened slots; see the module); and how it was solved: "unchanged",
    "incremental", "approximate", or "scratch" with why. before is used up (its state is reused)."""
    by_path = {raw[0]: raw for raw in raws}
    if before is None:
        return scratch(by_path), "scratch"
    if before.state.approximate and not approximate:
        return _instead(before, by_path), "scratch: the last solve was approximate"
    changed = sorted(
        path
        for path in by_path.keys() | before.raws.keys()
        if by_path.get(path) is not before.raws.get(path) and by_path.get(path) != before.raws.get(path)
    )
    if not changed:
        before.redone = 0.0
        return before, "unchanged"
    if before.state.widened and not before.state.cone_slots and not before.state.approximate:
        widening.mark_cone(before.state)  # a state solved elsewhere (fixpoint.solve)
    program, removed, added = renumber(before, by_path, changed)
    raws = [raw for path in changed for raw in (before.raws.get(path), by_path.get(path)) if raw]
    try:
        dirty = changed_slots(before, program, raws)
        state, evaluated, redone = _resume(before, program, dirty, removed, added, raws, approximate)
        if not state.approximate and widening.reached(
            state, evaluated, {path: program.owners.get(path, ()) for path in changed}
        ):
            _past_cone(state, approximate)
    except Widened:
        return _instead(before, by_path), "scratch: a slot widened"
    except _Reached:
        return _instead(before, by_path), "scratch: the change reaches a widened slot"
    except _Tainted:
        return _instead(before, by_path), "scratch: the change taints most of the program"
    how = "approximate" if state.approximate else "incremental"
    callers = set()
    for index in redone:  # a removed constraint's scope is the old program's (its id is an old one)
        constraint = program.constraints[index] or before.program.constraints[index]
        if constraint is not None:
            callers.add(constraint[0])
    return Solved(by_path, program, state, len(evaluated) / max(len(program.constraints), 1), callers), how


class _Reached(Exception):
    """The change reaches the part of the program whose result depends on the order of work."""


class _Tainted(Exception):
    """The change taints most of the program."""


def _past_cone(state: SolverState, approximate: bool) -> None:
    """The change reaches the widened slots' cone: mark the state approximate when allowed, else
    raise _Reached."""
    if not approximate:
        raise _Reached
    state.approximate = True


def _instead(before: Solved, by_path: dict[str, RawSummary]) -> Solved:
    """Solve from scratch, first letting go of the earlier state (it may be hundreds of MB)."""
    before.state = SolverState()
    return scratch(by_path)


def scratch(by_path: dict[str, RawSummary]) -> Solved:
    """Solve from scratch."""
    program = load(by_path.values())
    program.mro = linearize(program)
    state = fixpoint.solve(program)
    if state.widened:
        widening.mark_cone(state)
    return Solved(by_path, program, state)


def renumber(
    before: Solved, by_path: dict[str, RawSummary], changed: list[str]
) -> tuple[Program, set[int], set[int]]:
    """The new program, its constraints keeping their ids where a changed file kept them.

    Returns it with the ids of the removed and of the added constraints.
    """
    old = before.program
    program = _body_tables(old, before.raws, by_path, changed)
    if program is None:
        program = Program()
        for path in sorted(by_path):
            add_tables(program, by_path[path])
    constraints = program.constraints = list(old.constraints)
    owners = program.owners = dict(old.owners)
    removed: set[int] = set()
    added: set[int] = set()
    for path in changed:
        free: dict[Constraint, list[int]] = {}
        for index in reversed(old.owners.get(path, ())):
            free.setdefault(_key(constraints[index]), []).append(index)
        raw = by_path.get(path)
        ids = []
        for constraint in (*raw[7], *raw[8]) if raw is not None else ():
            bucket = free.get(_key(constraint))
            if bucket:
                index = bucket.pop()
                constraints[index] = constraint  # the same but for its line
            else:
                index = len(constraints)
                constraints.append(constraint)
                added.add(index)
            ids.append(index)
        for bucket in free.values():
            for index in bucket:
                constraints[index] = None
                removed.add(index)
        if raw is None:
            del owners[path]
        else:
            owners[path] = tuple(ids)
    program.seeds = (old.seeds - removed) | {i for i in added if is_seed(constraints[i] or ())}
    hierarchy, identities = _kept_tables(old, program, before.raws, by_path, changed)
    program.mro = old.mro if hierarchy else linearize(program)
    if identities:
        program.set_identities(old.identities())
    return program, removed, added


def _body_tables(
    old: Program, before: dict[str, RawSummary], now: dict[str, RawSummary], changed: list[str]
) -> Program | None:
    """The new program's tables made from the old ones and the changed files alone, when those files
    changed only what their functions are (lines, parameters, kind): the same module, classes,
    names and star imports, the same functions in the same order, and no function that another file
    may also define (add_tables merges such definitions in path order). The tables are then
    those made from every file, in the same order. None otherwise (they are made from every file)."""
    modules = {}
    for path in changed:
        was, is_ = before.get(path), now.get(path)
        if was is None or is_ is None or was[1:3] != is_[1:3] or was[4:7] != is_[4:7]:
            return None
        names = [function[0] for function in is_[3]]
        if names != [function[0] for function in was[3]] or not _own(names, is_[1], old):
            return None
        modules[is_[1]] = path
    if sum(1 for raw in now.values() if raw[1] in modules) != len(modules):
        return None  # another file of a changed file's module: its definitions merge with that one's
    program = Program(
        modules=old.modules,
        module_files=old.module_files,
        module_names=old.module_names,
        stars=old.stars,
        functions=dict(old.functions),
        spans=dict(old.spans),
        classes=old.classes,
        class_names=old.class_names,
        params=set(old.params),
    )
    for path in changed:
        fresh = Program()
        for function in now[path][3]:
            add_function(fresh, path, Function(*function))
        program.functions.update(fresh.functions)  # the same keys: each keeps its place
        program.spans.update(fresh.spans)
        program.params.difference_update(f"{f[0]}.{name}" for f in before[path][3] for name, _ in f[3])
        program.params |= fresh.params
    return program


def _own(qualnames: list[str], module: str, program: Program) -> bool:
    """Whether only module's file can define these qualnames. Another file could where its module is
    a package above module whose file defines module's name as a function or class, or a module
    below it (`a/__init__.py`'s `def b(): def c()` and `a/b.py`'s `def c()` are both `a.b.c`)."""
    if not all(qualname.startswith(module + ".") for qualname in qualnames):
        return False
    parts = module.split(".")
    for end in range(1, len(parts)):
        if ".".join(parts[:end]) in program.module_files:
            named = ".".join(parts[: end + 1])
            if named in program.functions or named in program.classes:
                return False
    below = tuple(other + "." for other in program.module_files if other.startswith(module + "."))
    return not below or not any(qualname.startswith(below) for qualname in qualnames)


def _kept_tables(
    old: Program, new: Program, before: dict[str, RawSummary], now: dict[str, RawSummary], changed: list[str]
) -> tuple[bool, bool]:
    """Whether the changed files left alone what every class's MRO is computed from (hierarchy.py:
    modules, names, star imports, class bases, module- and class-level bindings), and the functions
    that return a parameter (Program.identities): then the old tables are the new ones, without
    computing them again over the whole program (most changes edit function bodies only)."""
    owners = old.module_files | new.module_files | old.classes.keys() | new.classes.keys()
    hierarchy = old.modules == new.modules and old.module_files == new.module_files
    identities = True
    for path in changed:
        was, is_ = before.get(path), now.get(path)
        if was is None or is_ is None:
            return False, False
        hierarchy = (
            hierarchy
            and was[1:3] == is_[1:3]
            and was[4:7] == is_[4:7]  # not [3]: functions, whose lines move
            and _bindings(was, owners) == _bindings(is_, owners)
        )
        identities = identities and _passes(was) == _passes(is_)
    return hierarchy, identities


def _bindings(raw: RawSummary, owners: set[str] | frozenset[str]) -> list[Constraint]:
    """A file's assignments to module- and class-level names (what hierarchy.py reads of it)."""
    return [
        assign
        for assign in raw[7]
        if assign[1][0] == "s" and "#" not in assign[1][1] and assign[1][1].rpartition(".")[0] in owners
    ]


def _passes(raw: RawSummary) -> list[Constraint]:
    """A file's `return param` records (what Program.identities reads of it)."""
    return [assign for assign in raw[7] if assign[1][0] == "s" and assign[1][1].endswith("#pass")]


def _key(constraint: Constraint | None) -> Constraint:
    """What a constraint means: everything but a call's line."""
    assert constraint is not None
    return constraint if len(constraint) == 3 else constraint[:6]


def _closure(state: SolverState, dirty: set[str], tainted: set[int]) -> None:
    """Taint every reader of a dirty slot, and dirty every slot a tainted constraint wrote."""
    readers, writes = state.readers, state.writes
    stack = list(dirty)
    for index in tainted:
        for slot in writes.get(index, ()):
            if slot not in dirty:
                dirty.add(slot)
                stack.append(slot)
    while stack:
        for index in readers.get(stack.pop(), ()):
            if index >= 0 and index not in tainted:
                tainted.add(index)
                for slot in writes.get(index, ()):
                    if slot not in dirty:
                        dirty.add(slot)
                        stack.append(slot)


def _forget(state: SolverState, tainted: Iterable[int]) -> None:
    """Drop what tainted constraints found: they are evaluated again."""
    for index in tainted:
        state.writes.pop(index, None)
        state.edges.pop(index, None)
        state.external.pop(index, None)
        state.called.discard(index)
        state.reasons.pop(index, None)


def _writers(state: SolverState, dirty: set[str]) -> set[int]:
    """The constraints that wrote to a dirty slot: evaluated again to put their values back."""
    if not dirty:  # a change of function bodies only, often: no need to look at every constraint
        return set()
    return {index for index, slots in state.writes.items() if not slots.isdisjoint(dirty)}


def _resume(
    before: Solved,
    program: Program,
    dirty: set[str],
    removed: set[int],
    added: set[int],
    raws: list[RawSummary],
    approximate: bool = False,
) -> tuple[SolverState, set[int], set[int]]:
    """The state of program, resumed from before's, the constraints evaluated, and those whose
    edges may differ from before's (evaluated, forgotten, added or removed); raws: the changed
    files' summaries, before and now.

    Raises _Tainted when most of the program is tainted, _Reached when the change reaches a
    widened slot's cone (both before changing the state), Widened when a slot widens; with
    approximate, the last two mark the state approximate instead.
    """
    state = before.state
    tainted = set(removed)
    _closure(state, dirty, tainted)
    live = len(program.constraints) - program.constraints.count(None)
    if len(tainted - removed) + len(added) > MAX_TAINTED * live:
        raise _Tainted
    if not state.approximate and widening.touched(state, dirty, tainted):
        _past_cone(state, approximate)
    # Back to the first fixed point, without what is dirty; a widened slot stays so. The second
    # phase's values come out of a slot only when the first phase reads or writes it (_FirstPhase).
    pending, state.extra = state.extra, {}
    was_known = {slot: _had_first_values(state.slots.get(slot), pending.get(slot)) for slot in dirty}
    for slot in dirty:
        state.slots.pop(slot, None)
        pending.pop(slot, None)
    _forget(state, tainted)
    solver = Solver(program, state, stop_on_widening=not approximate)
    first_phase = solver._slots = _FirstPhase(state, pending)
    writers = _writers(state, dirty)
    solver.queue((tainted - removed) | added | writers)  # seeds wait for phase two
    solver.iterate()
    first = set(solver.evaluated)
    # The second phase: decisions taken again, what a flipped one derived re-derived.
    undecided, seeded = state.undecided, state.seeded
    get = state.slots.get
    only_second = {  # slots the first phase left whose values are all the second phase's
        slot for slot, values in pending.items() if not _had_first_values(get(slot), values)
    }
    fixpoint.decide(solver, program.seeds, undecided, set(state.slots) - only_second)
    solver._slots = state.slots
    flipped = set(state.undecided.keys() ^ undecided.keys())
    dirty2 = set(dirty)
    for index in seeded - state.seeded:  # a seed no longer used: what it gave `self` goes
        constraint = program.constraints[index]
        if constraint is not None:
            dirty2.add(constraint[1][1])
    tainted2 = set(tainted)
    # The slots that had values at one first fixed point and not at the other: a dirty one, or
    # one the first phase made (it had none, or only the second phase's, which it took out).
    appeared = {slot: False for slot in first_phase.created} | was_known
    pseudo = {"?k:" + slot for slot, was in appeared.items() if was != (slot in solver.known)}
    pseudo |= {"?w:" + result for result in flipped}
    for slot in pseudo:
        tainted2 |= {i for i in state.readers.get(slot, ()) if i >= 0}
    _closure(state, dirty2, tainted2)
    if not state.approximate and widening.touched(state, dirty2, tainted2):
        _past_cone(state, approximate)
    _forget(state, tainted2 - tainted)
    # The second phase's values go back: those the first phase took out, where it did not derive
    # them itself; those it left stay. A slot of dirty2 keeps only its first-phase values.
    for slot in dirty2 & pending.keys():
        first_phase.take_out(slot, pending.pop(slot))
    for slot, values in first_phase.taken.items():
        if slot not in dirty2:
            known = state.slots.get(slot)
            new = values - known if known is not None else values
            if new:
                state.slots.setdefault(slot, set()).update(new)
                state.extra[slot] = set(new)
    for slot, values in pending.items():
        if slot not in state.slots:  # emptied by an approximate resume (its slot was widened, then dirty)
            state.slots[slot] = set(values)
        state.extra[slot] = values
    solver.queue(
        (tainted2 - removed)
        | added
        | first  # evaluated in phase one without the phase-two values put back above
        # A seed used before, and a reader of an undecided decorator, gave what they give now: their
        # phase-two values were put back above (where dirty, their writers are queued below), and a
        # reader of a decorator whose decision flipped is tainted (?w:). A new seed has given nothing.
        | (state.seeded - seeded)
        | writers  # what wrote a slot of dirty2 is one of these, or evaluated since (first) ...
        | (_writers(state, dirty2 - dirty) if dirty2 != dirty else set())  # ... or writes a new one
    )
    solver.iterate()
    calls = first | solver.evaluated | tainted2 | added
    fixpoint.explain(solver, calls | _reason_tables(before.program, program, state, raws))
    state.approximate |= solver.widened_here
    return state, solver.evaluated, calls


class _FirstPhase:
    """state.slots as the first phase of a resume sees them: a slot's second-phase values (pending,
    from state.extra) are taken out when the solver first reads or writes it; a resume reads few
    of the slots, so the rest keep theirs, with no work. A widened slot keeps its values (state.extra)."""

    __slots__ = ("created", "pending", "slots", "state", "taken")

    def __init__(self, state: SolverState, pending: dict[str, set[str]]) -> None:
        self.state, self.slots, self.pending = state, state.slots, pending
        self.taken: dict[str, set[str]] = {}
        """Slot -> the second-phase values taken out of it."""
        self.created: set[str] = set()
        """Slots the first phase made (they had no values, or only second-phase ones)."""

    def get(self, slot: str, default: Any = None, /) -> Any:  # as state.Slots types it
        if slot in self.pending:
            self.take_out(slot, self.pending.pop(slot))
        return self.slots.get(slot, default)

    def __setitem__(self, slot: str, values: set[str], /) -> None:
        self.created.add(slot)
        self.slots[slot] = values

    def take_out(self, slot: str, values: set[str]) -> None:
        known = self.slots.get(slot)
        if known is not None and "*" in known:
            self.state.extra[slot] = values
            return
        self.taken[slot] = values
        if known is None:  # emptied by an approximate resume (its slot was widened, then dirty)
            return
        left = known - values
        if left:
            self.slots[slot] = left
        else:
            del self.slots[slot]


def _had_first_values(known: set[str] | None, second: set[str] | None) -> bool:
    """Whether a slot holding known had values at the first fixed point, second being the values
    only the second phase added (a subset of known; for a widened slot, "*" among them when it had
    none: solver.Solver._flush)."""
    if known is None:
        return False
    if second is None:
        return True
    return "*" not in second if "*" in known else len(known) > len(second)


def _reason_tables(old: Program, new: Program, state: SolverState, raws: list[RawSummary]) -> set[int]:
    """Unresolved call sites whose reason reads a table that changed (parameters, star imports);
    raws: the changed files' summaries, before and now (only their entries can have changed)."""
    slots = {f"{function[0]}.{name}" for raw in raws for function in raw[3] for name, _ in function[3]}
    params = {slot for slot in slots if (slot in old.params) != (slot in new.params)}
    stars = {raw[1] for raw in raws if old.stars.get(raw[1]) != new.stars.get(raw[1])}
    if not params and not stars:  # most changes: no reason reads what changed
        return set()
    out = set()
    for index in state.reasons:
        constraint = new.constraints[index]
        if constraint is None:
            out.add(index)
            continue
        callee = constraint[1]
        if (callee[0] == "s" and callee[1] in params) or (callee[0] == "g" and callee[1] in stars):
            out.add(index)
    return out

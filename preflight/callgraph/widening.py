"""The part of a solve that depends on the order of work: widened slots and what feeds their readers.

Every rule is monotone but widening (members.MAX_VALUES): a slot past the cap becomes {"*"},
and what its readers derived from its values before that (the edges of a call through it,
the elements of its containers) stays, while values that arrive later are never seen. So
what those readers found depends on when each value arrived, that is on the work of every
constraint that feeds them: their cone. The rest of the program is monotone, its fixed
point the same in any order.

A change is resumed exactly (incremental.py) when it leaves the cone alone: no constraint
of the cone is removed, tainted or moved, and nothing evaluated while resuming writes a slot
the cone reads or reads a widened slot. The cone then does the same work, in the same
order, in a cold solve of the new program as in the old one, and everything else is the
unique monotone fixed point around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from preflight.callgraph.state import SolverState


def widened(state: SolverState) -> set[str]:
    """The slots that were widened."""
    return {slot for slot, values in state.slots.items() if "*" in values}


def mark_cone(state: SolverState) -> None:
    """Record in state the cone of its widened slots: their readers and writers, and every
    constraint that writes a slot the cone reads; and the slots the cone reads (see the module)."""
    slots = widened(state)
    if not slots:
        state.cone, state.cone_slots = set(), set()
        return
    writers: dict[str, list[int]] = {}
    for index, wrote in state.writes.items():
        for slot in wrote:
            writers.setdefault(slot, []).append(index)
    reads: dict[int, list[str]] = {}
    for slot, found in state.readers.items():
        for index in found:
            if index >= 0:
                reads.setdefault(index, []).append(slot)
    cone: set[int] = set()
    read = set(slots)
    stack: list[int] = []
    for slot in slots:
        for index in (*state.readers.get(slot, ()), *writers.get(slot, ())):
            if index >= 0 and index not in cone:
                cone.add(index)
                stack.append(index)
    while stack:
        for slot in reads.get(stack.pop(), ()):
            if slot not in read:
                read.add(slot)
                for index in writers.get(slot, ()):
                    if index not in cone:
                        cone.add(index)
                        stack.append(index)
    state.cone, state.cone_slots = cone, read


def touched(state: SolverState, dirty: set[str], tainted: set[int]) -> bool:
    """Whether re-deriving dirty slots and re-evaluating tainted constraints disturbs the cone:
    it reads a dirty slot, or one of its constraints is tainted, or a dirty slot's writer read a
    widened slot (what it gave before the widening cannot be given again)."""
    if not state.cone_slots:
        return False
    if not dirty.isdisjoint(state.cone_slots) or not tainted.isdisjoint(state.cone):
        return True
    return any(not state.writes.get(index, set()).isdisjoint(dirty) for index in _widened_readers(state))


def reached(state: SolverState, evaluated: Iterable[int], moved: Mapping[str, tuple[int, ...]]) -> bool:
    """Whether a resumed solve reached the cone: a constraint outside it now writes a slot the
    cone reads or reads a widened slot, or a changed file lists the cone's constraints in
    another order than their ids (a cold solve would take them in that order)."""
    if not state.cone_slots:
        return False
    cone, read, writes = state.cone, state.cone_slots, state.writes
    for index in evaluated:
        wrote = writes.get(index)
        if wrote and index not in cone and not wrote.isdisjoint(read):
            return True
    if any(index >= 0 and index not in cone for index in _widened_readers(state)):
        return True
    for ids in moved.values():
        order = [index for index in ids if index in cone]
        if order != sorted(order):
            return True
    return False


def _widened_readers(state: SolverState) -> set[int]:
    out: set[int] = set()
    for slot in widened(state):
        out |= state.readers.get(slot, set())
    out.discard(-1)
    return out

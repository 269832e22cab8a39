"""What the solver found, and the solved program, in a form kept between runs (see incremental.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar, overload

from preflight.callgraph.file_summary import Expr, RawSummary
from preflight.callgraph.graph import CallGraph
from preflight.callgraph.program import Program

T = TypeVar("T")


class Slots(Protocol):
    """How the solver reads and fills slots: SolverState.slots, or a view of it (incremental.py)."""

    @overload
    def get(self, slot: str, default: None = None, /) -> set[str] | None: ...
    @overload
    def get(self, slot: str, default: set[str], /) -> set[str]: ...
    @overload
    def get(self, slot: str, default: T, /) -> set[str] | T: ...

    def __setitem__(self, slot: str, values: set[str], /) -> None: ...


@dataclass(slots=True)
class SolverState:
    """Slots and their values, who read and wrote them, and what every constraint (by id) found."""

    slots: dict[str, set[str]] = field(default_factory=dict)
    """Slot -> values at the fixed point; {"*"} for a widened slot (see members.MAX_VALUES)."""
    extra: dict[str, set[str]] = field(default_factory=dict)
    """Slot -> the values only the second phase added (the first phase's fixed point is the rest);
    with "*" among them when the slot was widened holding only such values (it had none at the
    first fixed point: a resume must decide its seeds as the solve did, see incremental.py)."""
    readers: dict[str, set[int]] = field(default_factory=dict)
    """Slot -> the constraints whose evaluation read it; also pseudo slots: `mod:M` (is M a module
    of ours), `?w:R` (was decorator result R undecided), `?k:S` (did S have values at the first
    fixed point, when a lookup reached an external base)."""
    writes: dict[int, set[str]] = field(default_factory=dict)
    """Constraint -> the slots it added values to."""
    edges: dict[int, set[str]] = field(default_factory=dict)
    """Constraint -> the callees it reached (a call site's, or a property read's)."""
    external: dict[int, set[str]] = field(default_factory=dict)
    """Constraint -> those of its callees that are outside the repository."""
    called: set[int] = field(default_factory=set)
    """Call sites whose callee has values (the rest are unresolved)."""
    reasons: dict[int, str] = field(default_factory=dict)
    """Unresolved call site -> why it reached nothing."""
    undecided: dict[str, Expr] = field(default_factory=dict)
    """Decorator results (slot) whose decorator had no value at the first fixed point -> the decorator."""
    seeded: set[int] = field(default_factory=set)
    """`self` seeds used: the method's first parameter had no value at the first fixed point."""
    widened: bool = False
    """Some slot was widened: part of the result depends on the order of work (see widening.py)."""
    cone: set[int] = field(default_factory=set)
    """With widened slots: the constraints whose work decides what their readers saw (widening.py)."""
    cone_slots: set[str] = field(default_factory=set)
    """The slots those constraints read, and the widened slots: a resumed solve must not change them."""
    approximate: bool = False
    """Resumed through that cone (incremental.solve with approximate=True), here or in an earlier
    solve this one resumed from: what readers of widened slots found, and what follows from it, may
    differ from a cold solve."""


@dataclass(slots=True)
class Solved:
    """A solved program, as kept between runs."""

    raws: dict[str, RawSummary]
    """Path -> the file's raw summary."""
    program: Program
    state: SolverState
    redone: float = 1.0
    """The share of the constraints this solve evaluated (1.0 from scratch, 0.0 unchanged)."""
    callers: set[str] | None = None
    """After a resume: the scopes of the constraints it evaluated, forgot, added or removed, the only
    ones whose edges can differ from the graph it resumed from (None: any; not kept in the pack)."""
    graph: CallGraph | None = None
    """This state's call graph once made (kept in memory only, for the next resume's graph)."""

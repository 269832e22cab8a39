"""What a release digest holds: the merged changes, each scored, and the summaries rendered."""

from __future__ import annotations

from dataclasses import dataclass

from preflight.models import CheckResult


@dataclass(frozen=True, slots=True)
class Merged:
    """One change on the first-parent line of a release range."""

    sha: str
    parent: str | None
    """Its first parent: the change is parent..sha. None for a root commit (the empty tree)."""
    kind: str
    """merge (a merge commit), squash (a subject ending in `(#N)`), commit, or branch: a merge of
    another long-lived branch (a forward-port or back-merge), listed but not scored."""
    number: int | None
    """The pull request's number, when the commit names one."""
    title: str
    """The pull request's title (a merge's first body line), else the subject."""
    reason: str | None = None
    """Why a `branch` merge is not scored (`merges branch 8.1.x`); None for the other kinds."""

    @property
    def scored(self) -> bool:
        """A change of the range itself, not a merge of another long-lived branch."""
        return self.kind != "branch"

    @property
    def label(self) -> str:
        """`#N` for a pull request, else the short sha."""
        return f"#{self.number}" if self.number is not None else self.sha[:7]


@dataclass(frozen=True, slots=True)
class ScoredChange:
    """A change and what the pipeline says about it."""

    merged: Merged
    result: CheckResult


@dataclass(frozen=True, slots=True)
class HotFunction:
    """A function that more than one change of the range touched behaviourally."""

    qualname: str
    service: str | None
    calls_per_min: float | None
    """Measured calls/min, else inferred from callers (then `inferred`), else None: unknown."""
    inferred: bool
    changes: tuple[str, ...]
    """Labels of the changes that touched it, oldest first."""


@dataclass(frozen=True, slots=True)
class SloRisk:
    """An SLO that at least one change puts at risk (a burn rate above 1 or a chance of breach)."""

    name: str
    service: str
    indicator: str
    budget_remaining: float | None
    breach_probability: float | None
    """The highest over the changes; None when no change could say."""
    breach_before: float | None
    """1.0 when the burn rate before the changes already exhausts its budget within the window
    (SloImpact.breach_before), else 0.0; None when no change could say."""
    burn_rate: float | None
    """The highest median burn rate over the changes."""
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ServiceTraffic:
    """What the range changed in one service."""

    service: str
    """Its name (measured, else where the simulation placed the function: its busiest caller's);
    empty for the changed functions whose service is unknown."""
    calls_per_min: float | None
    """Calls/min of the distinct changed functions with known (or inferred) traffic; None when
    none of them has any: unknown, not zero."""
    functions: int
    """Distinct functions changed behaviourally there."""
    unknown: int
    """Of those, how many have no runtime data (their traffic is unknown, not zero)."""
    changes: tuple[str, ...]
    level: str
    """The highest risk level of the changes that touched it."""
    affected_by: tuple[str, ...] = ()
    """Changes whose simulated fault affects this service (it may run none of their code)."""


@dataclass(frozen=True, slots=True)
class Totals:
    """The range in numbers."""

    changes: int
    by_level: tuple[tuple[str, int], ...]
    """(level, changes) for low, medium, high, critical."""
    by_verdict: tuple[tuple[str, int], ...]
    """(verdict, changes) for pass, warn, fail, counted from the rows' own verdict words."""
    functions: int
    """Distinct functions changed behaviourally."""
    unknown: int
    """Of those, how many have no runtime data."""
    calls_per_min: float | None
    """Traffic touched: calls/min of the distinct changed functions with known (or inferred)
    traffic; None when none has any (no runtime data): unknown, never zero."""
    skipped: int = 0
    """Merges of other long-lived branches (forward-ports, back-merges) listed but not scored."""


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything a digest renders."""

    range: str
    """The range as given (A..B)."""
    base: str
    head: str
    changes: tuple[ScoredChange, ...]
    """Oldest first."""
    hot: tuple[HotFunction, ...]
    slos: tuple[SloRisk, ...]
    services: tuple[ServiceTraffic, ...]
    """Busiest first."""
    totals: Totals
    edges: tuple[tuple[str, str, float | None], ...]
    """The service graph from the snapshot: (caller, callee, calls/min)."""
    runtime: str | None
    """Where the runtime data came from; None: static only."""
    skipped: tuple[Merged, ...] = ()
    """Merges of other long-lived branches on the first-parent line (kind `branch`), oldest
    first: listed with their reason, never scored."""

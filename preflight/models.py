"""Frozen values passed between pipeline stages: the contracts.

Every stage takes and returns these; git objects, tree-sitter trees, DataFrames
and graphs stay inside the stage that owns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class ChangeKind(str, Enum):
    """How a function changed between the base and the head revision."""

    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    RENAMED = "renamed"
    COSMETIC = "cosmetic"
    READS_CHANGED = "reads-changed"
    """Unchanged itself, but it reads a name whose module- or class-level statement changed."""


class Aspect(str, Enum):
    """Which part of a modified function changed."""

    SIGNATURE = "signature"
    BODY = "body"
    DECORATORS = "decorators"
    DOCSTRING = "docstring"


BEHAVIOURAL_KINDS = frozenset(
    {ChangeKind.ADDED, ChangeKind.REMOVED, ChangeKind.MODIFIED, ChangeKind.READS_CHANGED}
)


@dataclass(frozen=True, slots=True)
class RevisionRange:
    """The two revisions being compared."""

    base: str
    """Base as the user or environment named it (ref or sha)."""
    head: str
    """Head as named (ref or sha)."""
    base_sha: str | None
    """Resolved base commit; None when the base is the empty tree (root commit, new repository)."""
    head_sha: str
    """Resolved head commit."""
    merge_base: str | None
    """Merge base of base and head; the diff runs from here to head. None means the empty tree."""
    source: str
    """Where the base came from: explicit, default-branch, github-event, github-base-ref, pre-push."""


@dataclass(frozen=True, slots=True)
class LineSpan:
    """An inclusive 1-based line range."""

    start: int
    end: int

    def __contains__(self, line: object) -> bool:
        return isinstance(line, int) and self.start <= line <= self.end


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file changed between merge base and head."""

    path: str
    """Path at head (at base for deleted files)."""
    old_path: str | None
    """Path at base; None for added files; differs from path for renames."""
    status: str
    """added, deleted, modified, renamed, copied, type-changed."""
    language: str
    """Python, Python stub, Markdown, ..., binary, symlink, submodule, unknown."""
    parsed: str
    """full, partial (syntax errors), no (not Python, binary, too large, undecodable)."""
    added_lines: int
    removed_lines: int
    unparsed: str | None = None
    """Why a Python version of the file could not be parsed, or only partially (too large,
    undecodable, a syntax error): its changes are unknown, never "nothing changed". None when
    every Python version parsed fully, and for files that are not Python."""


@dataclass(frozen=True, slots=True)
class FunctionChange:
    """One function (def or async def, any depth) that changed, or, with scope `module` or
    `class`, the statements of a module or class body outside any def (constants, imports,
    class attributes, top-level calls)."""

    path: str
    """File at head; at base for removed functions."""
    old_path: str | None
    """File at base; None for added functions."""
    qualname: str
    """Full dotted name at head: module + nesting (pkg.mod.Class.method)."""
    old_qualname: str | None
    """Full dotted name at base; None for added functions."""
    kind: ChangeKind
    aspects: tuple[Aspect, ...]
    """For modified functions: which parts changed. Empty otherwise."""
    new_lines: LineSpan | None
    """Lines at head including decorators; None for removed functions."""
    old_lines: LineSpan | None
    """Lines at base including decorators; None for added functions."""
    added_lines: int
    """Diff lines added inside the function at head."""
    removed_lines: int
    """Diff lines removed inside the function at base."""
    signature_break: tuple[str, ...] | None = None
    """For modified functions with a signature aspect, by Python's calling rules: None when the
    parameters and async-ness did not change (annotations, return type), () when every call the
    old signature accepted still binds the same way, else why not ("timeout is now required")."""
    scope: str = "function"
    """function; module or class when qualname is a module or class whose statements outside
    any def changed (kind modified, lines the span of the changed statements)."""
    names: tuple[str, ...] = ()
    """Scope module or class: the names the changed statements bind (EUR_RATES); kind
    reads-changed: the changed names this function mentions."""
    read_by: tuple[str, ...] = ()
    """Scope module or class: functions of the same file that mention one of names (changed or
    not); empty means no reader was found, so what the change reaches is unknown."""

    @property
    def behavioural(self) -> bool:
        """True when the change can alter behaviour (not cosmetic, not a pure rename)."""
        return self.kind in BEHAVIOURAL_KINDS


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Stage 1 output: every changed file and function of a revision range."""

    revisions: RevisionRange
    files: tuple[FileChange, ...]
    functions: tuple[FunctionChange, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SloStatus:
    """An SLO and its remaining error budget, as the snapshot knows it."""

    name: str
    service: str
    indicator: str
    """availability or latency."""
    objective: float | None
    window: str | None
    threshold_ms: float | None
    route: str | None
    budget_remaining: float | None
    """Share of the error budget left (0-1, negative when overspent); None = unknown."""
    budget_source: str
    """user:<file>, telemetry (estimated from the observed window) or unknown."""


@dataclass(frozen=True, slots=True)
class ReachRoute:
    """An entry point that reaches a function through the static call graph."""

    entry: str
    """The entry point's function (or the module, for a __main__ block)."""
    label: str
    """How it is invoked: `GET /cart/<id>`, `celery task sync`, `python -m app`."""
    path: tuple[str, ...]
    """One shortest call path, entry first, the function last."""


@dataclass(frozen=True, slots=True)
class InferredTraffic:
    """Calls/min estimated from callers for a function with no runtime data of its own."""

    calls_per_min: float
    confidence: str
    """medium (every direct caller has data) or low (only some do)."""
    callers: tuple[tuple[str, float], ...]
    """Direct callers with runtime data, and their calls/min."""
    unknown_callers: int
    """Direct callers without runtime data."""
    service: str | None = None
    """Where its busiest caller with data runs: the service a fault in it would show in first."""


@dataclass(frozen=True, slots=True)
class FunctionExposure:
    """A changed function joined to what production does with it. None always means unknown."""

    change: FunctionChange
    calls_per_min: float | None
    """None means unknown: no runtime data matched this function."""
    service: str | None = None
    """The service that runs it most (others in services)."""
    services: tuple[str, ...] = ()
    share_of_service: float | None = None
    """calls/min over the requests/min its service serves: the share of requests that run it."""
    p50_ms: float | None = None
    p99_ms: float | None = None
    error_rate: float | None = None
    endpoints: tuple[str, ...] = ()
    """Routes whose requests ran it (from traces), busiest first."""
    slos: tuple[SloStatus, ...] = ()
    """SLOs of its service that cover those endpoints (or the whole service)."""
    source: str | None = None
    """Telemetry format the numbers came from (otlp, pstats, ...)."""
    routes: tuple[ReachRoute, ...] = ()
    """Entry points that reach it statically, nearest first."""
    inferred: InferredTraffic | None = None
    """When calls_per_min is unknown: an estimate from its callers, if any has data."""
    callers: int | None = None
    """Callers at risk: production functions in the head's call graph that call it and that the
    change did not itself modify or add; None without a code index."""
    production: bool = True
    """False when its file is non-production (tests, docs, examples, ...: config paths.non_production):
    listed, but never scored for traffic, callers or unknown traffic."""
    callers_left_out: int = 0
    """Callers in non-production files, not counted in callers."""
    callers_updated: int = 0
    """Production callers the change itself modified or added, not counted in callers."""


@dataclass(frozen=True, slots=True)
class RuntimeInfo:
    """Where the runtime data came from and how fresh and complete it is."""

    location: str
    generated_at: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    age_hours: float | None = None
    """Hours from the end of the observed window to the check."""
    resolution_rate: float | None = None
    """Share of runtime functions matched to a definition in the repository."""


@dataclass(frozen=True, slots=True)
class Exposure:
    """Stage 4 output: changed functions with their runtime data, and coverage."""

    functions: tuple[FunctionExposure, ...]
    source: str | None
    """Where the runtime data came from (a file or snapshot path), or None when there was none."""
    runtime: RuntimeInfo | None = None
    callers_left_out: int | None = None
    """Distinct non-production functions that call a changed function; None without a code index."""
    entry_points_left_out: int | None = None
    """Entry points in non-production files (commands defined inside tests, ...), never used as
    entry points; None without a code index."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """A Monte Carlo result: the median and a 90% interval (5th-95th percentile) over trials."""

    median: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class ServiceImpact:
    """Stage 5: one service before and after the simulated fault."""

    service: str
    p50_ms_before: float | None
    """None when the service's latency is unknown (then only its change is predicted)."""
    p90_ms_before: float | None
    p50_ms_after: Estimate | None
    p90_ms_after: Estimate | None
    added_p90_ms: Estimate
    """Change of the p90 in ms (negative: faster, e.g. requests failing fast)."""
    error_rate_before: float
    error_rate_after: Estimate
    load_factor: Estimate
    """Requests it receives relative to before (retries multiply them)."""
    affected_probability: float
    """Share of trials where its p90 grew by AFFECTED_RATIO or its errors by AFFECTED_ERROR."""
    affected: bool
    """affected_probability >= 0.5."""
    front_door: bool
    """Nobody in the graph calls it: its numbers are what users see."""
    path: tuple[str, ...] = ()
    """When affected: the shortest call chain by which a fault reaches it, injected service
    first (just itself where a fault was injected); empty otherwise."""


@dataclass(frozen=True, slots=True)
class SloImpact:
    """Stage 5: one SLO under the simulated fault."""

    name: str
    service: str
    indicator: str
    objective: float
    sli_before: float | None
    sli_after: Estimate | None
    burn_rate: Estimate | None
    """Error-budget burn rate while the fault lasts (1 = exactly the budgeted rate)."""
    budget_remaining: float | None
    hours_to_exhaust: Estimate | None
    """Hours until the remaining budget is gone at that burn rate; None when it is unknown."""
    breach_probability: float | None
    """Share of trials whose burn exhausts the remaining budget within the SLO window."""
    critical_path: tuple[str, ...]
    """Services from the fault to the SLO's service, fault first."""
    notes: tuple[str, ...] = ()

    @property
    def burns(self) -> bool:
        """The fault may burn this SLO: a chance of breach, or a median burn rate above budget."""
        return (self.breach_probability or 0.0) > 0 or (
            self.burn_rate is not None and self.burn_rate.median > 1
        )


@dataclass(frozen=True, slots=True)
class Impact:
    """Stage 5 output: the predicted effect of the change's failure modes across services and SLOs."""

    faults: tuple[str, ...]
    """The injected failure modes, as `service[:function]:kind=value` specs."""
    trials: int
    services: tuple[ServiceImpact, ...]
    slos: tuple[SloImpact, ...]
    assumptions: tuple[str, ...]
    """Defaults the simulation had to assume (unknown rates, utilization, budgets)."""


@dataclass(frozen=True, slots=True)
class Driver:
    """One history feature behind the defect probability."""

    feature: str
    """Its name in preflight.history.features.FEATURES."""
    value: float
    """The change's raw value (lines, commits, days, ...)."""
    log_odds: float
    """Its contribution to the model's log-odds (coefficient times transformed value)."""


@dataclass(frozen=True, slots=True)
class Likelihood:
    """Stage 6 input: how likely the change is to be defective, from its git history features."""

    probability: float
    base_rate: float
    """The probability of the average change in the history the coefficients describe."""
    source: str
    """Where the coefficients come from: the defaults, or the fitted file at the base revision."""
    drivers: tuple[Driver, ...]
    """Features with a contribution, largest absolute contribution first."""
    if_split: float | None = None
    """The probability of each half if the change were split in two equal parts."""
    history_commits: int = 0
    """Commits before the change that the features were computed from."""
    notes: tuple[str, ...] = ()
    """Approximations made (a shallow clone, a history too short to say much)."""


@dataclass(frozen=True, slots=True)
class Factor:
    """One reason behind a score, with its contribution in points."""

    name: str
    points: float
    detail: str


@dataclass(frozen=True, slots=True)
class Risk:
    """Stage 6 output: the score, its level and its explanation."""

    score: int
    """0-100; the sum of the factors' points, rounded and capped."""
    level: str
    """low, medium, high or critical."""
    factors: tuple[Factor, ...]
    unknowns: tuple[str, ...]
    confidence: str
    """high, medium or low: how much of the change had runtime data."""
    lower_it: tuple[str, ...] = field(default=())
    """What would lower the score."""


VERDICTS = ("pass", "warn", "fail")
"""The gate's verdict words, mildest first: a list of results is as bad as its worst."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's verdict."""

    threshold: int | None
    """The fail threshold applied (--fail-above or the gate policy's); None means advisory."""
    reason: str
    verdict: str = "pass"
    """pass, warn or fail, from preflight.gate.verdict: the one word every output shows; `fail`
    exactly when the check fails (exit code 1). An advisory gate's crossed fail threshold is a
    `warn` whose reason says so."""
    warn_above: int | None = None
    mode: str = "advisory"
    """advisory or blocking."""
    override: str | None = None
    """What overrode a failing gate (a pull-request label or a commit trailer), recorded."""
    notes: tuple[str, ...] = ()
    """How the thresholds were set: rules that matched, tightening for error budgets, missing data."""

    @property
    def passed(self) -> bool:
        """The check passes (exit code 0) unless the verdict is fail."""
        return self.verdict != "fail"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Everything the report stage renders."""

    changes: ChangeSet
    exposure: Exposure
    risk: Risk
    decision: Decision
    impact: Impact | None = None
    """What the propagation stage predicts; None when no changed function has a service."""
    likelihood: Likelihood | None = None
    """The history model's defect probability; None when there is no history before the change."""

"""Each tool's output as agents are told it (the tool's JSON outputSchema), one model per shape.

The answers themselves are plain dicts (functions.py, change.py, faults.py); the server
validates each against its model, so an answer and its schema cannot drift apart unnoticed
(extra keys are refused). Field names and meanings are those of `preflight check --format
json`, `context --format json` and `simulate --format json`; null always means unknown.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def _about(description: str) -> Any:
    return Field(description=description)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Lines(_Strict):
    """An inclusive 1-based line range."""

    start: int
    end: int


class Snapshot(_Strict):
    """Where the runtime data came from and how fresh it is."""

    location: str = _about("The snapshot directory.")
    generated_at: str | None
    window_start: str | None = _about("First span or sample of the telemetry (ISO 8601).")
    window_end: str | None = _about("End of the telemetry window (ISO 8601).")
    age_hours: float | None = _about("Hours from the end of the window to this answer.")
    resolution_rate: float | None = _about("Share of the snapshot's functions matched to this repository.")


class Slo(_Strict):
    """An SLO and its remaining error budget, as the snapshot knows it."""

    name: str
    service: str
    indicator: str = _about("availability or latency.")
    objective: float | None = _about("Target share of good events, e.g. 0.999.")
    window: str | None
    threshold_ms: float | None = _about("For latency SLOs: the threshold a good response is under.")
    route: str | None
    budget_remaining: float | None = _about("Share of the error budget left (negative: overspent).")
    budget_source: str = _about("user:<file>, telemetry (estimated) or unknown.")


class Route(_Strict):
    """An entry point that reaches the function through the static call graph."""

    entry: str = _about("The entry point's function.")
    label: str = _about("How it is invoked: `GET /cart/<id>`, `celery task sync`, ...")
    path: list[str] = _about("One shortest call path, entry first, the function last.")


class InferredCaller(_Strict):
    qualname: str
    calls_per_min: float


class Inferred(_Strict):
    """Traffic estimated from the callers of a function with no runtime data of its own."""

    calls_per_min: float = _about("The sum of the direct callers' calls/min.")
    confidence: str = _about("medium (every direct caller has data) or low (only some do).")
    callers: list[InferredCaller]
    unknown_callers: int = _about("Direct callers without runtime data.")
    service: str | None = _about("The service of its busiest caller with data.")


class CallMade(_Strict):
    """A call from the function to another service, as the snapshot's edges measured it."""

    callee_service: str
    calls_per_min: float | None
    calls_per_caller_request: float | None


class FunctionContext(_Strict):
    """get_function_context: what production does with one function of the work tree."""

    summary: str = _about("Three to six plain sentences to quote: what is known, from which data, how fresh.")
    schema_version: int
    path: str
    qualname: str = _about("Module and nesting: pkg.mod.Class.method.")
    lines: Lines | None = _about("Where it is in the work tree, decorators included.")
    known: bool = _about("False: the snapshot has no data for it (traffic unknown, never zero).")
    calls_per_min: float | None = _about("Measured executions per minute; null means unknown.")
    service: str | None = _about("The service that runs it most.")
    services: list[str]
    share_of_service: float | None = _about("Share of its service's requests that run it.")
    p50_ms: float | None
    p99_ms: float | None
    error_rate: float | None = _about("Share of executions that raised.")
    endpoints: list[str] = _about("Routes whose requests ran it (from traces), busiest first.")
    slos: list[Slo] = _about("SLOs of its service that cover those endpoints, with their budgets.")
    source: str | None = _about("Telemetry format the numbers came from.")
    callers: int | None = _about("Production functions of the work tree that call it.")
    production: bool = _about("False for tests, docs, examples (paths.non_production): never scored.")
    callers_left_out: int = _about("Callers in non-production files, not counted.")
    callers_updated: int
    reached_from: list[Route] = _about("Entry points that reach it statically, nearest first.")
    inferred: Inferred | None = _about("Without data of its own: traffic inferred from its callers.")
    calls_made: list[CallMade]
    snapshot: Snapshot | None
    unknowns: list[str] = _about("What preflight does not know about it.")


class HotInferred(_Strict):
    confidence: str
    callers: int = _about("Direct callers with runtime data.")
    unknown_callers: int


class HotFunction(_Strict):
    """One busy function of the repository."""

    qualname: str
    function: str = _about("PATH::QUALNAME, as get_function_context and simulate_fault take it.")
    path: str
    lines: Lines
    calls_per_min: float
    basis: Literal["measured", "inferred"] = _about("inferred: no data of its own, summed from its callers.")
    service: str | None
    share_of_service: float | None
    p50_ms: float | None
    p99_ms: float | None
    error_rate: float | None
    endpoints: list[str]
    slos: list[str] = _about("Names of the SLOs that cover it.")
    inferred: HotInferred | None


class HotFunctions(_Strict):
    """list_hot_functions: the busiest functions, measured first, then inferred."""

    summary: str = _about("Three to six plain sentences to quote.")
    functions: list[HotFunction]
    measured: int = _about("Functions with measured traffic that match the filters.")
    inferred: int = _about("Functions whose traffic is only inferred that match the filters.")
    not_in_repository: int = _about("Busy names of the snapshot that are no production function here.")
    snapshot: Snapshot | None
    unknowns: list[str]


class Estimate(_Strict):
    """A Monte Carlo prediction: median and an 80% interval."""

    median: float | None
    low: float | None
    high: float | None


class BeforeAfter(_Strict):
    before: float | None
    after: Estimate | None


class ServiceImpact(_Strict):
    """One service under the simulated fault."""

    service: str
    front_door: bool = _about("It takes outside traffic (users see what it does).")
    affected: bool
    affected_probability: float
    p50_ms: BeforeAfter
    p90_ms: BeforeAfter
    added_p90_ms: Estimate | None
    error_rate: BeforeAfter
    load_factor: Estimate | None
    path: list[str] = _about("How the fault reaches it, from the injected service.")


class SloImpact(_Strict):
    """One SLO under the simulated fault."""

    name: str
    service: str
    indicator: str
    objective: float | None
    sli: BeforeAfter
    burn_rate: Estimate | None = _about("Error-budget burn rate while the fault lasts (1: as budgeted).")
    budget_remaining: float | None
    hours_to_exhaust: Estimate | None
    breach_probability: float | None = _about("Share of trials that exhaust the remaining budget.")
    breach_before: float | None = _about(
        "1 when the burn rate before the change already exhausts the remaining budget within the "
        "window, else 0."
    )
    critical_path: list[str]
    notes: list[str]


class Factor(_Strict):
    name: str
    points: float
    detail: str


class Base(_Strict):
    ref: str = _about("The base as named (a branch, a ref or a sha).")
    commit: str | None
    merge_base: str | None = _about("Where the compared change starts.")
    source: str = _about("How the base was chosen: explicit, default-branch, github-event, ...")


class Head(_Strict):
    commit: str = _about("HEAD, the commit under the work tree.")
    worktree: bool = _about("Always true: the work tree's files (staged, unstaged, untracked) are the head.")


class ChangedFunction(_Strict):
    """A changed function (or module or class body), with what production does with it."""

    qualname: str
    path: str
    kind: str = _about("added, removed, modified, renamed, cosmetic or reads-changed.")
    scope: str = _about("function; module or class for statements outside any def.")
    lines: Lines | None
    signature_break: list[str] | None = _about("Why old calls no longer bind; [] when they all still do.")
    production: bool
    service: str | None
    calls_per_min: float | None
    inferred_calls_per_min: float | None
    callers: int | None
    entry_points: list[str]
    slos: list[str]


class Assessment(_Strict):
    """assess_change: the whole check of the work tree against a base."""

    summary: str = _about("Three to six plain sentences to quote to a human before finishing.")
    base: Base
    head: Head
    score: int = _about("0-100.")
    level: str = _about("low, medium or high.")
    confidence: str = _about("high, medium or low: how much of the change had data.")
    verdict: str = _about("pass, warn or fail under the repository's gate.")
    passed: bool
    threshold: int | None = _about("The fail threshold applied; null: advisory.")
    mode: str
    reason: str
    factors: list[Factor]
    changed_files: int
    unparsed_files: list[str] = _about("Changed Python files that could not be parsed: unknown code.")
    functions: list[ChangedFunction]
    blast_radius: list[ServiceImpact] = _about("Services a fault in the change would reach.")
    slos_at_risk: list[SloImpact]
    lower_it: list[str] = _about("What would lower the score.")
    unknowns: list[str]
    gate_notes: list[str]
    warnings: list[str]
    snapshot: Snapshot | None


class Target(_Strict):
    kind: Literal["function", "service"]
    service: str
    function: str | None = _about("PATH::QUALNAME when the target is a function.")
    share_of_requests: float | None = _about("Executions of the function per request of its service.")


class FaultSimulation(_Strict):
    """simulate_fault: what breaks and which SLOs burn."""

    summary: str = _about("Three to six plain sentences to quote.")
    target: Target
    injected: list[str] = _about("The faults as `preflight simulate --inject` takes them.")
    trials: int
    seed: int
    services: list[ServiceImpact] = _about("The affected services.")
    unaffected_services: list[str]
    slos: list[SloImpact] = _about("The SLOs that burn.")
    slos_not_burning: list[str]
    assumptions: list[str]
    command: str = _about("The same simulation on the command line, run from the repository root.")
    snapshot: Snapshot | None
    unknowns: list[str]

"""The gate's contracts: the policy read from the base revision, and the decision it gives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verdict = Literal["pass", "warn", "fail"]
GateMode = Literal["advisory", "blocking"]
"""advisory (report, never fail) or blocking (a score above fail_above fails the check)."""
FailMode = Literal["open", "closed"]
"""What the gate does with what it cannot see: open judges by the score, closed fails."""


@dataclass(frozen=True, slots=True)
class GateRule:
    """gate.rules[]: thresholds for the changes under some paths or in some services."""

    paths: tuple[str, ...] = ()
    """Globs over repository paths (`payments/**`, `docs/*.md`)."""
    services: tuple[str, ...] = ()
    warn_above: int | None = None
    fail_above: int | None = None


@dataclass(frozen=True, slots=True)
class Gate:
    """gate: how the score becomes a decision (always read from the base revision)."""

    mode: GateMode = "advisory"
    """advisory (report, never fail) or blocking (a score above fail_above fails the check)."""
    warn_above: int = 50
    fail_above: int = 75
    missing_runtime: FailMode = "open"
    """open: a change without runtime data is judged by its score (unknown traffic adds points);
    closed: it fails in blocking mode until runtime data is provided."""
    unparsed: FailMode = "closed"
    """closed: a changed production Python file that could not be parsed fully (too large,
    undecodable, a syntax error) fails in blocking mode, since its changes are unknown; open:
    judged by the score alone (the file adds unparsed-code points)."""
    budget_tightening: bool = True
    """An SLO the change may burn with little error budget left lowers both thresholds."""
    rules: tuple[GateRule, ...] = ()
    override_label: str = "preflight-override"
    """A pull request with this label passes a failing gate (recorded in the report): labels are
    set by people with triage rights, not by the pull request's author."""
    override_trailer: str | None = None
    """Off by default. When set (e.g. `Preflight-Override`), a commit trailer `<name>: <reason>`
    passes a failing gate, but only in a commit whose committer is in override_approvers."""
    override_approvers: tuple[str, ...] = ()
    """Committer emails whose commits may carry the override trailer (required with it)."""


VERDICTS: tuple[Verdict, ...] = ("pass", "warn", "fail")
"""The gate's verdict words, mildest first: a list of results is as bad as its worst."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's verdict."""

    threshold: int | None
    """The fail threshold applied (--fail-above or the gate policy's); None means advisory."""
    reason: str
    verdict: Verdict = "pass"
    """pass, warn or fail, from preflight.gate.verdict: the one word every output shows; `fail`
    exactly when the check fails (exit code 1). An advisory gate's crossed fail threshold is a
    `warn` whose reason says so."""
    warn_above: int | None = None
    mode: GateMode = "advisory"
    override: str | None = None
    """What overrode a failing gate (a pull-request label or a commit trailer), recorded."""
    notes: tuple[str, ...] = ()
    """How the thresholds were set: rules that matched, tightening for error budgets, missing data."""

    @property
    def passed(self) -> bool:
        """The check passes (exit code 0) unless the verdict is fail."""
        return self.verdict != "fail"

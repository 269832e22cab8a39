"""What a sink is: the Outcome it publishes, the result that decides it, and the Sink protocol.

A sink receives the results after the report is written and never changes the exit
code: the gate is what `check` decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from preflight.models import VERDICTS, CheckResult


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a sink publishes: one finished `check` run."""

    results: tuple[CheckResult, ...]
    """One result per revision range (one on a pull request)."""
    exit_code: int
    """The gate's exit code, already decided (0 pass, 1 fail)."""
    report: Path | None
    """The report file written with --output, or None when it went to standard output."""
    markdown: tuple[str, ...]
    """Each result's Markdown report, rendered once by `check` (the comment, summary and check run)."""

    def worst(self) -> CheckResult | None:
        """The result that decides the outputs (see deciding)."""
        return deciding(self.results)


def deciding(results: Sequence[CheckResult]) -> CheckResult | None:
    """The result whose verdict a list of results shows: the worst verdict, then the highest score."""
    return max(results, key=lambda r: (VERDICTS.index(r.decision.verdict), r.risk.score), default=None)


class Sink(Protocol):
    """A destination for a finished check."""

    def publish(self, outcome: Outcome) -> None:
        """Send the outcome; raise PreflightError only for a problem the user can fix."""

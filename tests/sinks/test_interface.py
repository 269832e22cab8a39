"""sinks/interface: the Outcome a sink publishes and the result that decides it."""

from __future__ import annotations

from pathlib import Path

from preflight.sinks.interface import Outcome, deciding
from tests.sinks.results import function, result


def test_the_worst_verdict_decides_before_the_score() -> None:
    passed = result(function("app.core.f"), score=90, verdict="pass")
    warned = result(function("app.core.g"), score=30, verdict="warn")
    failed = result(function("app.core.h"), score=10, verdict="fail")
    assert deciding([passed, warned]) is warned
    assert deciding([passed, failed, warned]) is failed


def test_the_highest_score_decides_among_equal_verdicts() -> None:
    low = result(function("app.core.f"), score=20, verdict="warn")
    high = result(function("app.core.g"), score=60, verdict="warn")
    assert deciding([low, high]) is high
    assert deciding([high, low]) is high


def test_no_results_decide_nothing() -> None:
    assert deciding([]) is None
    assert Outcome((), 0, None, ()).worst() is None


def test_the_outcome_worst_is_the_deciding_result() -> None:
    first = result(function("app.core.f"), score=40, verdict="pass")
    second = result(function("app.core.g"), score=55, verdict="fail")
    outcome = Outcome((first, second), 1, Path("report.md"), ("a", "b"))
    assert outcome.worst() is second

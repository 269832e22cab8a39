"""models/policy.py: a Decision passes unless its verdict is fail."""

from __future__ import annotations

import pytest

from preflight.models import Decision, Gate


@pytest.mark.parametrize(("verdict", "passed"), [("pass", True), ("warn", True), ("fail", False)])
def test_decision_passes_unless_it_fails(verdict: str, passed: bool) -> None:
    decision = Decision(75, "reason", verdict)  # type: ignore[arg-type]
    assert decision.passed is passed


def test_defaults_are_an_advisory_pass_and_the_default_gate() -> None:
    decision = Decision(None, "advisory")
    assert decision.passed and decision.verdict == "pass" and decision.mode == "advisory"
    assert decision.override is None and decision.notes == ()
    gate = Gate()
    assert (gate.mode, gate.warn_above, gate.fail_above, gate.missing_runtime) == ("advisory", 50, 75, "open")

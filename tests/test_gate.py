"""The gate policy: thresholds, rules, error-budget tightening, missing data and overrides."""

from __future__ import annotations

import pytest

from preflight import gate
from preflight.models import Aspect, ChangeKind, Estimate, Exposure, Gate, GateRule, Impact, Risk, SloImpact
from preflight.risk import assess
from tests.risk.helpers import item, likely


def risk(score: int) -> Risk:
    return Risk(score=score, level="low", factors=(), unknowns=(), confidence="high")


def slo(budget: float | None, breach: float | None = 0.2, burn: float = 2.0) -> SloImpact:
    return SloImpact(
        "checkout-availability",
        "checkout",
        "availability",
        0.999,
        0.9995,
        Estimate(0.999, 0.998, 0.9995),
        Estimate(burn, burn, burn),
        budget,
        None,
        breach,
        None if breach is None else 0.0,
        ("checkout",),
    )


def impact(*slos: SloImpact) -> Impact:
    return Impact(faults=(), trials=1, services=(), slos=slos, assumptions=())


BLOCKING = Gate(mode="blocking", warn_above=30, fail_above=60)


@pytest.mark.parametrize(
    ("score", "verdict", "passed"), [(30, "pass", True), (31, "warn", True), (61, "fail", False)]
)
def test_thresholds_in_blocking_mode(score: int, verdict: str, passed: bool) -> None:
    decision = gate.decide(risk(score), BLOCKING)
    assert (decision.verdict, decision.passed, decision.threshold, decision.warn_above) == (
        verdict,
        passed,
        60,
        30,
    )


def test_advisory_reports_the_verdict_but_never_fails() -> None:
    decision = gate.decide(risk(90), Gate())
    assert decision.verdict == "warn" and decision.passed and decision.threshold is None
    assert decision.reason == (
        "score 90 is above the fail threshold 75: it would fail in blocking mode (this gate is advisory)"
    )
    assert gate.decide(risk(60), Gate()).reason == "score 60 is above the warn threshold 50"


def test_fail_above_on_the_command_line_blocks_at_it() -> None:
    decision = gate.decide(risk(25), Gate(), fail_above=24)
    assert not decision.passed and decision.mode == "blocking"
    assert decision.reason == "score 25 is above the fail threshold 24" and decision.warn_above == 24


def test_a_rule_on_one_path_makes_the_gate_stricter() -> None:
    policy = Gate(mode="blocking", fail_above=60, rules=(GateRule(paths=("payments/**",), fail_above=40),))
    context = gate.GateContext(paths=("payments/charge.py", "README.md"))
    decision = gate.decide(risk(45), policy, context=context)
    assert not decision.passed and decision.threshold == 40
    assert decision.notes == ("gate rules for payments/charge.py: warn above 40, fail above 40",)
    # a looser rule does not loosen a change that also touches paths without a rule
    loose = Gate(mode="blocking", fail_above=60, rules=(GateRule(paths=("docs/*",), fail_above=95),))
    assert (
        gate.decide(risk(70), loose, context=gate.GateContext(paths=("docs/a.md", "app.py"))).threshold == 60
    )


def test_rules_covering_every_path_and_service_apply_even_when_looser() -> None:
    policy = Gate(
        mode="blocking",
        fail_above=60,
        rules=(GateRule(paths=("docs/*",), fail_above=95), GateRule(services=("docs-site",), fail_above=90)),
    )
    context = gate.GateContext(paths=("docs/a.md", "docs/b.md"), services=("docs-site",))
    decision = gate.decide(risk(70), policy, context=context)
    assert decision.passed and decision.threshold == 90  # the strictest of the matching rules


@pytest.mark.parametrize(("budget", "cut"), [(0.05, 25), (0.2, 15), (0.5, 0), (None, 0)])
def test_little_error_budget_left_lowers_the_thresholds(budget: float | None, cut: int) -> None:
    decision = gate.decide(risk(0), BLOCKING, context=gate.GateContext(impact=impact(slo(budget))))
    assert (decision.warn_above, decision.threshold) == (max(0, 30 - cut), 60 - cut)
    assert bool(decision.notes) == bool(cut)


def test_an_slo_the_change_cannot_burn_does_not_tighten() -> None:
    quiet = slo(0.01, breach=0.0, burn=0.3)
    decision = gate.decide(risk(0), BLOCKING, context=gate.GateContext(impact=impact(quiet)))
    assert decision.threshold == 60
    # the budget left runs out within the window, but at the budgeted rate: not burning
    budgeted = slo(0.01, breach=1.0, burn=1.0)
    assert gate.decide(risk(0), BLOCKING, context=gate.GateContext(impact=impact(budgeted))).threshold == 60
    off = Gate(mode="blocking", fail_above=60, budget_tightening=False)
    assert gate.decide(risk(0), off, context=gate.GateContext(impact=impact(slo(0.01)))).threshold == 60


def test_missing_runtime_data_fails_closed_or_is_judged_open() -> None:
    context = gate.GateContext(runtime_missing=True)
    closed = gate.decide(risk(5), Gate(mode="blocking", missing_runtime="closed"), context=context)
    assert not closed.passed and closed.reason == (
        "no runtime data for the changed functions, and the gate fails without it"
    )
    opened = gate.decide(risk(5), Gate(mode="blocking"), context=context)
    assert opened.passed and opened.notes == (
        "no runtime data for the changed functions: judged by the score alone",
    )


def test_an_override_passes_a_failing_gate_and_is_recorded() -> None:
    context = gate.GateContext(override="label preflight-override")
    decision = gate.decide(risk(99), BLOCKING, context=context)
    # the check passes, so the verdict is not fail: it is a warning that says what overrode it
    assert decision.passed and decision.verdict == "warn" and decision.override == "label preflight-override"
    assert decision.reason.endswith("overridden by label preflight-override")
    assert gate.decide(risk(10), BLOCKING, context=context).override is None  # nothing to override


@pytest.mark.parametrize(("fail_above", "passed"), [(None, True), (25, True), (8, False)])
def test_gate(fail_above: int | None, passed: bool) -> None:
    risk = assess(
        Exposure((item(ChangeKind.MODIFIED, (Aspect.BODY,), 0.0),), "calls.csv"), likelihood=likely(0.3)
    )
    assert risk.score == 9  # 30 * 0.3; no traffic
    assert gate.decide(risk, Gate(), fail_above).passed is passed

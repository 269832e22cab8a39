"""preflight.models.risk: stage 6's contracts are frozen values with empty defaults."""

from __future__ import annotations

import dataclasses

import pytest

from preflight.models.risk import Driver, Factor, Likelihood, Risk


def test_a_likelihood_defaults_to_no_split_no_history_no_notes() -> None:
    driver = Driver("lines_added", 120.0, 0.9)
    likelihood = Likelihood(0.2, 0.1, "defaults", (driver,))
    assert likelihood.if_split is None and likelihood.history_commits == 0 and likelihood.notes == ()
    assert likelihood.drivers == (Driver("lines_added", 120.0, 0.9),)  # compared by value


def test_a_risk_is_frozen_and_has_nothing_to_lower_by_default() -> None:
    risk = Risk(40, "medium", (Factor("impact", 40.0, "one endpoint"),), (), "high")
    assert risk.lower_it == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        risk.score = 0  # type: ignore[misc]
    assert dataclasses.replace(risk, score=10).score == 10 and risk.score == 40

"""risk/likelihood.py: the defect probability, its multiplier of the impact and its drivers in words."""

from __future__ import annotations

import pytest

from preflight.history.coefficients import DEFAULT_COEFFICIENTS
from preflight.history.features import FEATURES
from preflight.models import Driver
from preflight.risk import likelihood
from tests.risk.helpers import likely


def test_multiplier_is_one_at_the_base_rate_and_between_half_and_one_and_a_half() -> None:
    assert likelihood.multiplier(0.15, 0.15) == 1.0
    assert likelihood.multiplier(0.0, 0.15) == 0.5
    assert likelihood.multiplier(0.3, 0.15) == pytest.approx(0.5 + 2 / 3)
    assert 1.0 < likelihood.multiplier(1.0, 0.001) < 1.5
    assert likelihood.multiplier(0.0, 0.0) == 1.0  # no history, no probability: impact as it is


def test_describe_drivers_for_people() -> None:
    assert likelihood.describe(Driver("lines_added", 1412.0, 1.0)) == "1,412 lines added"
    assert likelihood.describe(Driver("is_fix", 1.0, 0.3)) == "a fix"
    assert likelihood.describe(Driver("entropy", 3.0, 0.2)) == "changes spread over about 8 files"
    assert likelihood.describe(Driver("new_feature", 2.25, 0.2)) == "new feature 2.2"
    assert likelihood.drivers(likely(0.3)) == "412 lines added, the author's 90 earlier commits"


def test_detail_compares_with_the_average_change() -> None:
    assert likelihood.detail(None, 1.0).startswith("no history to learn from: the average change's 13%")
    assert likelihood.detail(likely(0.16), 1.02) == (
        "16% chance the change is defective, about the 15% of an average change here: "
        "its impact counts as it is"
    )
    assert likelihood.detail(likely(0.05), 0.75).endswith(
        "below the 15% of an average change here: its impact counts less"
    )


def test_estimate_applies_the_model_and_halves_the_change_when_split() -> None:
    big = {"lines_added": 2000.0, "files": 30.0, "author_experience": 5.0, "entropy": 4.0}
    values = [big.get(name, 0.0) for name in FEATURES]
    found = likelihood.estimate(values, DEFAULT_COEFFICIENTS, history_commits=80, notes=("shallow",))
    assert found.probability == pytest.approx(float(DEFAULT_COEFFICIENTS.probability([values])[0]))
    assert found.base_rate == DEFAULT_COEFFICIENTS.base_rate and found.source == "default"
    assert found.if_split is not None and found.if_split < found.probability
    assert found.history_commits == 80 and found.notes == ("shallow",)
    assert found.drivers, "a 2,000-line change has drivers"
    weights = [abs(d.log_odds) for d in found.drivers]
    assert weights == sorted(weights, reverse=True)
    assert {d.feature for d in found.drivers} <= set(big)

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


@pytest.mark.parametrize(
    ("feature", "value", "words"),
    [
        ("prod_lines_added", 27.0, "27 lines added to production code"),
        ("prod_lines_added", 1.0, "1 line added to production code"),
        ("conditions_touched", 3.0, "3 conditions touched (if, elif, else, while)"),
        ("exceptions_touched", 1.0, "1 line of exception handling touched (try, except, finally, raise)"),
        ("test_files", 1.0, "1 test file"),
        ("past_fixes", 1.0, "1 earlier fix to these files"),
        ("past_fixes", 4.0, "4 earlier fixes to these files"),
        ("defs_added", 2.0, "2 functions added"),
        ("signature_callers", 1.0, "1 call site of the changed signatures"),
    ],
)
def test_drivers_in_plain_words(feature: str, value: float, words: str) -> None:
    assert likelihood.describe(Driver(feature, value, 0.5)) == words


def test_every_feature_has_plain_words() -> None:
    for feature in FEATURES:
        for value in (1.0, 2.0):
            words = likelihood.describe(Driver(feature, value, 0.5))
            assert "_" not in words and not words.startswith(feature.replace("_", " ") + " "), words


def test_detail_compares_with_the_average_change() -> None:
    assert likelihood.detail(None, 1.0).startswith("no history to learn from: the average change's 12%")
    assert likelihood.detail(likely(0.16), 1.02) == (
        "16% chance the change is defective, about the 15% of an average change here: "
        "its impact counts as it is"
    )
    assert likelihood.detail(likely(0.05), 0.75).endswith(
        "below the 15% of an average change here: its impact counts less"
    )


def test_estimate_applies_the_model_and_halves_the_change_when_split() -> None:
    big = {"prod_lines_added": 2000.0, "conditions_touched": 120.0, "test_files": 3.0, "is_fix": 1.0}
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

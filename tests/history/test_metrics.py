from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.history import metrics
from preflight.history.metrics import (
    auc,
    auc_interval,
    brier,
    calibration,
    caught_share,
    curve,
    evaluate,
    svg_plot,
)

SCORES = [0.1, 0.4, 0.35, 0.8]
LABELS = [0, 0, 1, 1]


def test_auc_by_hand() -> None:
    # Positive/negative pairs ranked right: (0.35, 0.1), (0.8, 0.1), (0.8, 0.4); wrong: (0.35, 0.4).
    assert auc(SCORES, LABELS) == pytest.approx(0.75)
    # One tie counts half: positive 1 vs negatives 1 (tie) and 0 (right).
    assert auc([1, 1, 0], [1, 0, 0]) == pytest.approx(0.75)
    assert math.isnan(auc([1, 2], [1, 1]))


def test_brier_by_hand() -> None:
    assert brier(SCORES, LABELS) == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)


def test_caught_share_by_hand() -> None:
    scores = list(range(10, 0, -1))
    labels = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    assert caught_share(scores, labels, 0.1) == pytest.approx(1 / 3)
    assert caught_share(scores, labels, 0.3) == pytest.approx(2 / 3)
    assert caught_share(scores, labels, 0.05) == pytest.approx(1 / 6)  # half a change gated
    assert caught_share(scores, labels, 1.0) == pytest.approx(1.0)


def test_caught_share_splits_ties_in_expectation() -> None:
    # Gating 1 of a tied group of 4 that holds 1 positive catches a quarter of it, of 2 positives.
    assert caught_share([5, 5, 5, 5, 1], [1, 0, 0, 0, 1], 0.2) == pytest.approx(0.125)


def test_bootstrap_interval_is_seeded_and_brackets_the_auc() -> None:
    rng = np.random.default_rng(1)
    drawn = rng.integers(0, 2, 300)
    scores, labels = drawn + rng.normal(0, 1, 300), drawn.astype(np.float64)
    low, high = auc_interval(scores, labels, resamples=300, seed=3)
    assert (low, high) == auc_interval(scores, labels, resamples=300, seed=3)
    assert low < auc(scores, labels) < high
    assert 0.05 < high - low < 0.2


def test_evaluate_and_curve() -> None:
    result = evaluate(SCORES, LABELS, resamples=50)
    assert (result.changes, result.positives) == (4, 2) and result.auc == pytest.approx(0.75)
    assert result.brier == pytest.approx(0.158125)
    assert [g for g, _ in result.caught] == [0.05, 0.1, 0.2]
    assert evaluate(SCORES, LABELS, probabilities=False, resamples=10).brier is None
    points = curve(SCORES, LABELS, points=5)
    assert points[0] == (0.0, 0.0) and points[-1] == (1.0, 1.0)
    with pytest.raises(ValueError, match="one length"):
        auc([1, 2], [1])


def test_svg_is_valid_xml_with_one_line_per_series() -> None:
    svg = svg_plot(
        {"model <fitted>": curve(SCORES, LABELS), "lines added": curve([1, 2, 3, 4], LABELS)}, "a & b"
    )
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 3  # the random diagonal and two series
    assert "model &lt;fitted&gt;" in svg


def test_calibration_by_hand() -> None:
    p = [0.1] * 10 + [0.5] * 10
    y = [0] * 9 + [1] + [1] * 5 + [0] * 5
    found = calibration(p, y, bins=2)
    assert (found.mean_predicted, found.observed) == pytest.approx((0.3, 0.3))
    assert [(n, observed) for n, _, observed in found.deciles] == [(10, 0.1), (10, 0.5)]
    assert [predicted for _, predicted, _ in found.deciles] == pytest.approx([0.1, 0.5])
    assert found.ece == pytest.approx(0.0)
    assert found.slope == pytest.approx(1.0, abs=1e-6)  # logit(p) is exactly the outcome's log-odds
    extreme = calibration([0.01] * 10 + [0.9] * 10, y, bins=2)
    assert extreme.slope < 1  # too sure of itself both ways
    assert extreme.ece == pytest.approx((0.09 + 0.4) / 2)
    assert math.isnan(calibration([0.2, 0.3], [0, 0]).slope)


def test_evaluate_reports_calibration_for_probabilities_only() -> None:
    assert evaluate(SCORES, LABELS, resamples=10).calibration is not None
    assert evaluate(SCORES, LABELS, probabilities=False, resamples=10).calibration is None


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda rows: st.lists(
            st.lists(st.integers(0, 5).map(float), min_size=rows, max_size=rows), min_size=1, max_size=12
        )
    )
)
def test_average_ranks_are_scipy_s_rankdata(columns: list[list[float]]) -> None:
    """Ties share their average rank along the last axis, as scipy.stats.rankdata (the oracle)."""
    from scipy.stats import rankdata

    values = np.array(columns).T  # rows of up to 12 values, with many ties
    assert np.array_equal(metrics.average_ranks(values), rankdata(values, axis=-1))
    assert np.array_equal(metrics.average_ranks(values[0]), rankdata(values[0]))


def test_recall_lift_and_effort() -> None:
    from preflight.history.metrics import effort_recall, evaluate, recall_at_k

    scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    labels = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert recall_at_k(scores, labels, 1) == 0.5
    assert recall_at_k(scores, labels, 3) == 1.0
    assert recall_at_k(scores, labels, 50) == 1.0  # k past the end: everything
    # the top change is huge: reading it alone spends the 20% budget (2 of its 100 lines is past 20%)
    efforts = [100, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert effort_recall(scores, labels, efforts) == pytest.approx(0.5 * 21.8 / 100)
    # small ones first: all nine (one positive), then 12.8 of the big one's 100 lines
    assert effort_recall([-s for s in scores], labels, efforts) == pytest.approx((1 + 0.128) / 2)
    m = evaluate(scores, labels, probabilities=False, resamples=20, efforts=[1] * 10)
    assert m.lift == pytest.approx(0.5 / 0.1)
    assert m.recall_at == ((10, 1.0), (25, 1.0), (50, 1.0))
    assert m.effort_recall == 0.5  # 20% of equal efforts = the top 2


def test_paired_difference_knows_the_better_score() -> None:
    import numpy as np

    from preflight.history.metrics import paired_difference

    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.2).astype(float)
    good = y + rng.normal(0, 0.5, 400)
    bad = y + rng.normal(0, 3.0, 400)
    d = paired_difference(good, bad, y, resamples=200)
    assert d.auc > 0 and d.auc_low > 0 and d.auc_p < 0.05
    same = paired_difference(good, good, y, resamples=50)
    assert (same.auc, same.auc_low, same.auc_high, same.caught) == (0.0, 0.0, 0.0, 0.0)

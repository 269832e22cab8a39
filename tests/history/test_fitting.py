"""preflight.history.fitting: logistic fits, fits toward a prior, Platt recalibration."""

from __future__ import annotations

import numpy as np
import pytest

from preflight.history.coefficients import Coefficients
from preflight.history.features import FEATURES
from preflight.history.fitting import fit, fit_toward, recalibrate, with_base_rate
from tests.history.test_coefficients import planted


def test_fit_recovers_a_planted_signal() -> None:
    x, y = planted(20000)
    coefficients = fit(x, y, l2=0.1)
    weights = dict(zip(FEATURES, coefficients.weights, strict=True))
    assert weights["lines_added"] == pytest.approx(0.8, abs=0.08)
    assert weights["is_fix"] == pytest.approx(1.0, abs=0.12)
    assert abs(weights["files"]) < 0.1
    assert weights["age_days"] == 0.0  # constant in the data
    assert coefficients.intercept == pytest.approx(-3.0, abs=0.25)
    p = coefficients.probability(x)
    assert p.shape == (20000,) and float(p.mean()) == pytest.approx(float(y.mean()), abs=0.01)
    assert coefficients.base_rate == pytest.approx(float(p.mean()))


def test_platt_recalibration_keeps_the_ranking_and_fixes_the_level() -> None:
    x, y = planted(20000)
    honest = fit(x, y, l2=0.1)
    too_sure = Coefficients(2 * honest.intercept + 1.5, tuple(2 * w for w in honest.weights), 0.5, "skewed")
    fixed = recalibrate(too_sure, x, y, source="recalibrated")
    assert fixed.source == "recalibrated" and fixed.base_rate == 0.5  # base_rate: the caller's job
    before, after = too_sure.probability(x), fixed.probability(x)
    assert np.array_equal(np.argsort(before, kind="stable"), np.argsort(after, kind="stable"))
    assert float(after.mean()) == pytest.approx(float(y.mean()), abs=0.005)
    assert fixed.weights[0] == pytest.approx(honest.weights[0], rel=0.05)
    assert with_base_rate(fixed, x).base_rate == pytest.approx(float(after.mean()))
    flipped = recalibrate(too_sure, x, 1 - y)  # a slope that would turn the ranking around
    assert flipped.weights[0] == pytest.approx(0.05 * too_sure.weights[0])


def test_recalibration_changes_only_what_the_held_out_rows_justify() -> None:
    x, y = planted(3000, seed=4)
    honest = fit(x, y, l2=0.1)
    assert recalibrate(honest, x[:300], y[:300]) == honest  # calibrated: kept as it is
    shifted = Coefficients(honest.intercept + 1.0, honest.weights, 0.1, "shifted")
    moved = recalibrate(shifted, x, y)
    assert moved.weights == shifted.weights  # the intercept alone was wrong
    assert moved.intercept == pytest.approx(honest.intercept, abs=0.1)


def test_fit_toward_a_prior() -> None:
    x, y = planted(4000, seed=2)
    prior = Coefficients(-1.0, tuple(0.2 for _ in FEATURES), 0.1, "prior")
    kept = fit_toward(prior, x, y, float("inf"))
    assert kept.weights == prior.weights and kept.intercept != prior.intercept
    assert float(kept.probability(x).mean()) == pytest.approx(float(y.mean()), abs=0.01)
    free = dict(zip(FEATURES, fit_toward(prior, x, y, 1e-6).weights, strict=True))
    assert free["lines_added"] == pytest.approx(0.8, abs=0.15)  # the data win over the prior
    held = dict(zip(FEATURES, fit_toward(prior, x, y, 10.0).weights, strict=True))
    assert abs(held["lines_added"] - 0.2) < abs(free["lines_added"] - 0.2)
    assert held["age_days"] == pytest.approx(0.2)  # no data on it: the prior stays
    with pytest.raises(ValueError, match="one label per row"):
        fit_toward(prior, x, y[:10], 1.0)


def test_fit_columns_learns_only_the_named_features() -> None:
    import numpy as np

    from preflight.history.coefficients import transform
    from preflight.history.features import FEATURES
    from preflight.history.fitting import KAMEI, fit_columns

    rng = np.random.default_rng(3)
    x = rng.poisson(20, size=(3000, len(FEATURES))).astype(float)
    la = FEATURES.index("lines_added")
    z = -4.0 + 1.0 * transform(x)[:, la]  # a known answer: the log of lines added, weight 1
    y = (rng.random(3000) < 1 / (1 + np.exp(-z))).astype(float)
    fitted = fit_columns(x, y, KAMEI, l2=0.0)
    assert fitted.weights[la] == pytest.approx(1.0, abs=0.3)
    assert all(w == 0.0 for name, w in zip(FEATURES, fitted.weights, strict=True) if name not in KAMEI)


def test_recalibration_of_a_separable_slice_keeps_the_ranking() -> None:
    import numpy as np

    from preflight.history.coefficients import DEFAULT_COEFFICIENTS
    from preflight.history.features import FEATURES
    from preflight.history.fitting import MAX_SLOPE, recalibrate

    x = np.zeros((20, len(FEATURES)))
    x[:, FEATURES.index("prod_lines_added")] = np.arange(20) * 10
    y = (np.arange(20) >= 10).astype(float)  # the score separates the slice perfectly
    calibrated = recalibrate(DEFAULT_COEFFICIENTS, x, y)
    p = calibrated.probability(x)
    assert len(set(p.round(12))) == 20  # no two probabilities pinned to the same end
    column = FEATURES.index("prod_lines_added")
    assert 0 < calibrated.weights[column] <= MAX_SLOPE * DEFAULT_COEFFICIENTS.weights[column]


def _project(n: int, level: float, size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of one synthetic project: its own level of risk and of commit size, one planted weight
    of 0.5 on log(1 + lines_added) within it."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, len(FEATURES)))
    x[:, FEATURES.index("lines_added")] = rng.poisson(size, n)
    x[:, FEATURES.index("files")] = rng.integers(1, 5, n)  # noise
    z = level + 0.5 * np.log1p(x[:, FEATURES.index("lines_added")])
    return x, (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(float)


def test_pooled_fit_learns_within_projects_not_between_them() -> None:
    from preflight.history.fitting import fit_pooled

    # the project with the bigger commits also has more defects whatever their size: pooled
    # naively, size takes the credit for the difference between the projects
    projects = [_project(6000, -3.0, 5, 1), _project(6000, -1.0, 80, 2)]
    own = dict(zip(FEATURES, fit_pooled(projects, l2=0.1).weights, strict=True))
    naive = dict(zip(FEATURES, fit_pooled(projects, l2=0.1, own_intercepts=False).weights, strict=True))
    assert own["lines_added"] == pytest.approx(0.5, abs=0.1)
    assert naive["lines_added"] > 0.7
    assert abs(own["files"]) < 0.1
    only = fit_pooled(projects, l2=0.1, columns=("lines_added",))
    assert only.weights[FEATURES.index("files")] == 0.0
    assert only.weights[FEATURES.index("lines_added")] == pytest.approx(0.5, abs=0.1)
    with pytest.raises(ValueError, match="one label per row"):
        fit_pooled([(projects[0][0], projects[0][1][:10])])


def test_intercept_calibration_matches_the_observed_rate_and_keeps_the_weights() -> None:
    from preflight.history.fitting import calibrate_intercept

    x, y = _project(5000, -2.0, 20, 3)
    too_high = Coefficients(0.5, tuple(0.5 if f == "lines_added" else 0.0 for f in FEATURES), 0.5, "high")
    fixed = calibrate_intercept(too_high, x, y, source="calibrated")
    assert fixed.weights == too_high.weights and fixed.source == "calibrated"
    p = fixed.probability(x)
    assert float(p.mean()) == pytest.approx(float(y.mean()), abs=1e-6)
    assert fixed.intercept == pytest.approx(-2.0, abs=0.15)
    assert fixed.base_rate == pytest.approx(float(p.mean()))

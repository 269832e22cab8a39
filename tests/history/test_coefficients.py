from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from preflight.errors import InputError
from preflight.history.coefficients import DEFAULT_COEFFICIENTS, Coefficients, load, parse, save, transform
from preflight.history.features import FEATURES
from preflight.history.fitting import fit, fit_toward, recalibrate, with_base_rate


def planted(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows where only log(1 + lines_added) and is_fix carry signal, with known weights."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, len(FEATURES)))
    x[:, FEATURES.index("lines_added")] = np.expm1(rng.uniform(0, 6, n))
    x[:, FEATURES.index("is_fix")] = rng.integers(0, 2, n)
    x[:, FEATURES.index("files")] = rng.integers(1, 5, n)  # noise
    z = -3.0 + 0.8 * np.log1p(x[:, FEATURES.index("lines_added")]) + 1.0 * x[:, FEATURES.index("is_fix")]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(float)
    return x, y


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


def test_transform_logs_all_but_flags() -> None:
    row = [0.0] * len(FEATURES)
    row[FEATURES.index("lines_added")] = np.e - 1
    row[FEATURES.index("entropy")] = 1.5
    row[FEATURES.index("complexity_change")] = -(np.e - 1)
    out = transform([row])[0]
    assert out[FEATURES.index("lines_added")] == pytest.approx(1.0)
    assert out[FEATURES.index("entropy")] == 1.5
    assert out[FEATURES.index("complexity_change")] == pytest.approx(-1.0)  # signed


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


def test_defaults_rank_a_big_change_above_a_small_one() -> None:
    small, big = [0.0] * len(FEATURES), [0.0] * len(FEATURES)
    small[0], big[0], big[FEATURES.index("files")] = 3, 800, 12
    low, high = DEFAULT_COEFFICIENTS.probability([small, big])
    assert 0.0 < low < high < 1.0


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    x, y = planted(500)
    coefficients = fit(x, y, source="test")
    path = tmp_path / "coefficients.json"
    save(coefficients, path)
    assert load(path) == coefficients
    assert parse(path.read_text(encoding="utf-8"), "base:file") == coefficients
    assert [p.name for p in tmp_path.iterdir()] == ["coefficients.json"]
    save(DEFAULT_COEFFICIENTS, path)
    assert load(path) == DEFAULT_COEFFICIENTS


GOOD = '"version": 2, "base_rate": 0.1, "intercept": 0'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{\n  oops", r"c\.json:2: not valid JSON"),
        ('{"version": 1}', "not a version 2"),
        ("{" + GOOD + ', "coefficients": {"nope": 1}}', "unknown features nope"),
        ("{" + GOOD + ', "coefficients": {"files": "x"}}', "'files' must be a number"),
        ("{" + GOOD + ', "coefficients": {"files": true}}', "'files' must be a number"),
        ('{"version": 2, "base_rate": 0.1, "coefficients": {}}', "numeric 'intercept'"),
        ('{"version": 2, "intercept": 0, "coefficients": {}}', "'base_rate' must be a probability"),
        ('{"version": 2, "base_rate": 1.5, "intercept": 0, "coefficients": {}}', "got 1.5"),
    ],
)
def test_load_errors_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load(path)
    with pytest.raises(InputError, match=r"^abc123:\.preflight/c\.json"):
        parse(text, "abc123:.preflight/c.json")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read coefficients file"):
        load(tmp_path / "none.json")

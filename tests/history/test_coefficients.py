from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.errors import InputError
from preflight.history.coefficients import DEFAULT_COEFFICIENTS, load, parse, save, transform, transform_row
from preflight.history.features import FEATURES
from preflight.history.fitting import fit


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


def test_transform_logs_all_but_flags() -> None:
    row = [0.0] * len(FEATURES)
    row[FEATURES.index("lines_added")] = np.e - 1
    row[FEATURES.index("entropy")] = 1.5
    row[FEATURES.index("complexity_change")] = -(np.e - 1)
    out = transform([row])[0]
    assert out[FEATURES.index("lines_added")] == pytest.approx(1.0)
    assert out[FEATURES.index("entropy")] == 1.5
    assert out[FEATURES.index("complexity_change")] == pytest.approx(-1.0)  # signed


def test_defaults_rank_a_big_change_above_a_small_one() -> None:
    small, big = [0.0] * len(FEATURES), [0.0] * len(FEATURES)
    for row, lines in ((small, 3), (big, 800)):
        row[FEATURES.index("lines_added")] = row[FEATURES.index("prod_lines_added")] = lines
    low, high = DEFAULT_COEFFICIENTS.probability([small, big])
    assert 0.0 < low < high < 1.0


def test_defaults_weigh_production_code_not_docs_or_tests() -> None:
    """Fitted across projects (bench/backtest_crossproject.py): lines added to docs, tests or
    config say nothing of a defect that production lines do not say better."""
    code, docs = [0.0] * len(FEATURES), [0.0] * len(FEATURES)
    code[FEATURES.index("lines_added")] = code[FEATURES.index("prod_lines_added")] = 40
    docs[FEATURES.index("lines_added")], docs[FEATURES.index("files")] = 2000, 30
    docs[FEATURES.index("prod_lines_added")] = 5
    assert DEFAULT_COEFFICIENTS.probability_of(docs) < DEFAULT_COEFFICIENTS.probability_of(code)


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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=len(FEATURES), max_size=len(FEATURES)))
def test_one_change_scored_in_plain_arithmetic_equals_the_numpy_batch(values: list[float]) -> None:
    """check scores one change without numpy; the backtest scores many with it: the same model."""
    assert transform_row(values) == pytest.approx(list(transform([values])[0]), rel=1e-12, abs=1e-12)
    assert DEFAULT_COEFFICIENTS.probability_of(values) == pytest.approx(
        float(DEFAULT_COEFFICIENTS.probability([values])[0]), rel=1e-9, abs=1e-15
    )

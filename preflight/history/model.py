"""Probability that a change is defective: logistic regression over the history features.

Every feature except the flags below enters as log(1 + x): size and history
counts are heavy-tailed, and the literature on just-in-time defect prediction
(Kamei et al. 2013 and after) log-transforms them too.

DEFAULT_COEFFICIENTS are hand-set, not fitted: they follow the signs reported in
that literature (bigger, more spread, more frequently fixed changes are riskier;
experienced authors less so) with magnitudes chosen so a typical small commit
scores about 0.1-0.2. `fit` learns coefficients from a repository's own history
with L2-regularised IRLS (Newton's method) on standardised features, then
expresses them on the log scale again so the file stays readable.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from preflight.errors import InputError
from preflight.history.features import FEATURES

Array = NDArray[np.float64]
LINEAR = frozenset({"entropy", "is_fix"})
"""Features used as they are; all others enter as log(1 + x)."""
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Coefficients:
    """A logistic model: intercept plus one weight per transformed feature."""

    intercept: float
    weights: tuple[float, ...]
    """One weight per name in FEATURES, on the transformed (log) scale."""
    source: str = "default"
    """Where the numbers come from ("default", or what they were fitted on)."""

    def probability(self, values: Sequence[Sequence[float]] | Array) -> Array:
        """Probability of a defect for each row of raw feature values."""
        z = transform(values) @ np.asarray(self.weights) + self.intercept
        result: Array = 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))
        return result


_DEFAULTS = {
    "lines_added": 0.30,
    "lines_deleted": 0.05,
    "files": 0.15,
    "directories": 0.0,
    "subsystems": 0.10,
    "entropy": 0.20,
    "new_files": 0.0,
    "file_size": 0.05,
    "past_changes": 0.10,
    "past_churn": 0.0,
    "past_fixes": 0.15,
    "developers": 0.05,
    "author_experience": -0.10,
    "author_file_experience": -0.05,
    "age_days": -0.05,
    "config_files": 0.0,
    "migration_files": 0.30,
    "dependency_files": 0.0,
    "test_files": 0.0,
    "is_fix": 0.30,
}
DEFAULT_COEFFICIENTS = Coefficients(intercept=-3.2, weights=tuple(_DEFAULTS[name] for name in FEATURES))


def transform(values: Sequence[Sequence[float]] | Array) -> Array:
    """Raw feature rows -> model inputs (log(1 + x) except for LINEAR features)."""
    x = np.asarray(values, dtype=np.float64).reshape(-1, len(FEATURES))
    logged = np.array([name not in LINEAR for name in FEATURES])
    out: Array = np.where(logged, np.log1p(np.maximum(x, 0.0)), x)
    return out


def fit(
    values: Sequence[Sequence[float]] | Array,
    labels: Sequence[int] | Array,
    l2: float = 1.0,
    iterations: int = 50,
    source: str = "fitted",
) -> Coefficients:
    """Learn coefficients by L2-regularised logistic regression (IRLS); the intercept is not penalised."""
    x = transform(values)
    y = np.asarray(labels, dtype=np.float64)
    if len(x) != len(y) or not len(y):
        raise ValueError(f"need one label per row, got {len(x)} rows and {len(y)} labels")
    mean, std = x.mean(axis=0), x.std(axis=0)
    varying = std > 1e-12
    z = np.zeros_like(x)
    z[:, varying] = (x[:, varying] - mean[varying]) / std[varying]
    design = np.hstack([np.ones((len(z), 1)), z])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0
    penalty[1:][~varying] = 1e6  # a constant feature carries no information: pin its weight to 0
    beta = np.zeros(design.shape[1])
    rate = min(max(y.mean(), 1e-6), 1 - 1e-6)
    beta[0] = math.log(rate / (1 - rate))
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -35, 35)))
        gradient = design.T @ (y - p) - penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    weights = np.where(varying, beta[1:] / np.where(varying, std, 1.0), 0.0)
    intercept = float(beta[0] - np.sum(weights * mean))
    return Coefficients(intercept, tuple(float(w) for w in weights), source)


def save(coefficients: Coefficients, path: str | Path) -> None:
    """Write coefficients as JSON (temp file, then rename: a partial write never replaces a good file)."""
    target = Path(path)
    document = {
        "version": FORMAT_VERSION,
        "model": "logistic; features enter as log(1 + x) except " + ", ".join(sorted(LINEAR)),
        "source": coefficients.source,
        "intercept": coefficients.intercept,
        "coefficients": dict(zip(FEATURES, coefficients.weights, strict=True)),
    }
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | Path) -> Coefficients:
    """Read a coefficients file written by save(); InputError says what is wrong with it."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read coefficients file ({e.strerror})") from e
    except json.JSONDecodeError as e:
        raise InputError(
            f"{path}:{e.lineno}: not valid JSON ({e.msg}); rerun `preflight backtest --fit`"
        ) from e
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise InputError(
            f"{path}: not a version {FORMAT_VERSION} coefficients file; rerun `preflight backtest --fit`"
        )
    given = document.get("coefficients")
    intercept = document.get("intercept")
    if not isinstance(given, dict) or not isinstance(intercept, (int, float)):
        raise InputError(f"{path}: needs numeric 'intercept' and a 'coefficients' object")
    unknown = sorted(set(given) - set(FEATURES))
    if unknown:
        raise InputError(f"{path}: unknown features {', '.join(unknown)}; known: {', '.join(FEATURES)}")
    weights = []
    for name in FEATURES:
        value = given.get(name, 0.0)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise InputError(f"{path}: coefficient {name!r} must be a number, got {value!r}")
        weights.append(float(value))
    return Coefficients(float(intercept), tuple(weights), str(document.get("source", path)))

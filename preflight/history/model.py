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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeGuard

import numpy as np
from numpy.typing import NDArray

from preflight.errors import InputError
from preflight.history.features import FEATURES

Array = NDArray[np.float64]
LINEAR = frozenset({"entropy", "is_fix"})
"""Features used as they are."""
SIGNED = frozenset({"complexity_change"})
"""Features that can be negative: they enter as sign(x) log(1 + |x|); all others as log(1 + x)."""
FORMAT_VERSION = 2
"""Version 2: base_rate; the function-level features; no past_churn."""


@dataclass(frozen=True, slots=True)
class Coefficients:
    """A logistic model: intercept plus one weight per transformed feature."""

    intercept: float
    weights: tuple[float, ...]
    """One weight per name in FEATURES, on the transformed (log) scale."""
    base_rate: float
    """The mean predicted probability over the commits the model describes: the probability of the
    repository's average change (what a change's probability is compared with)."""
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
    "complexity_change": 0.10,
    "signature_changes": 0.0,
    "signature_callers": 0.10,
}
DEFAULT_BASE_RATE = 0.15
DEFAULT_COEFFICIENTS = Coefficients(-3.2, tuple(_DEFAULTS[name] for name in FEATURES), DEFAULT_BASE_RATE)


def transform(values: Sequence[Sequence[float]] | Array) -> Array:
    """Raw feature rows -> model inputs (log(1 + x) except for LINEAR features)."""
    x = np.asarray(values, dtype=np.float64).reshape(-1, len(FEATURES))
    linear = np.array([name in LINEAR for name in FEATURES])
    signed = np.array([name in SIGNED for name in FEATURES])
    logged = np.where(signed, np.sign(x) * np.log1p(np.abs(x)), np.log1p(np.maximum(x, 0.0)))
    out: Array = np.where(linear, x, logged)
    return out


def irls(design: Array, y: Array, penalty: Array, start: Array, iterations: int = 50) -> Array:
    """Penalised logistic regression by Newton's method: argmax loglik - sum(penalty * beta^2) / 2."""
    beta: Array = np.array(start, dtype=np.float64)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -35, 35)))
        gradient = design.T @ (y - p) - penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def _logit(rate: float) -> float:
    rate = min(max(rate, 1e-6), 1 - 1e-6)
    return math.log(rate / (1 - rate))


def fit(
    values: Sequence[Sequence[float]] | Array,
    labels: Sequence[int] | Array,
    l2: float = 1.0,
    iterations: int = 50,
    source: str = "fitted",
) -> Coefficients:
    """Learn coefficients by L2-regularised logistic regression (IRLS) on standardised features;
    the intercept is not penalised. base_rate is the mean fitted probability of the rows."""
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
    start = np.zeros(design.shape[1])
    start[0] = _logit(float(y.mean()))
    beta = irls(design, y, penalty, start, iterations)
    weights = np.where(varying, beta[1:] / np.where(varying, std, 1.0), 0.0)
    intercept = float(beta[0] - np.sum(weights * mean))
    fitted = Coefficients(intercept, tuple(float(w) for w in weights), 0.0, source)
    return with_base_rate(fitted, values)


def with_base_rate(coefficients: Coefficients, values: Sequence[Sequence[float]] | Array) -> Coefficients:
    """The coefficients with base_rate set to their mean probability over the rows."""
    rate = float(np.mean(coefficients.probability(values))) if len(values) else coefficients.base_rate
    return replace(coefficients, base_rate=rate)


def recalibrate(
    coefficients: Coefficients,
    values: Sequence[Sequence[float]] | Array,
    labels: Sequence[int] | Array,
    source: str | None = None,
) -> Coefficients:
    """Platt scaling: fit p = sigmoid(a + b * score) on held-out rows, where score is the model's
    log-odds, and fold a and b into the intercept and weights, so the result is one logistic
    model again (b > 0 scales every weight alike: the ranking is unchanged). b is kept at 0.05 or
    more, so that a slice of noise cannot flip the ranking; then a is refitted with b fixed.
    base_rate is left to the caller (with_base_rate)."""
    y = np.asarray(labels, dtype=np.float64)
    score = transform(values) @ np.asarray(coefficients.weights) + coefficients.intercept
    design = np.column_stack([np.ones(len(score)), score])
    a, b = (float(v) for v in irls(design, y, np.array([0.0, 1e-6]), np.zeros(2)))
    if b < 0.05:
        b = 0.05
        offset = b * score
        for _ in range(50):  # Newton's method for the intercept alone
            p = 1.0 / (1.0 + np.exp(-np.clip(a + offset, -35, 35)))
            step = float(np.sum(y - p) / max(float(np.sum(p * (1 - p))), 1e-12))
            a += step
            if abs(step) < 1e-10:
                break
    weights = tuple(b * w for w in coefficients.weights)
    intercept = a + b * coefficients.intercept
    return Coefficients(intercept, weights, coefficients.base_rate, source or coefficients.source)


def write_atomic(path: Path, text: str) -> None:
    """Write text via a temporary file and a rename: a partial write never replaces a good file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(coefficients: Coefficients, path: str | Path) -> None:
    """Write coefficients as JSON (atomically)."""
    document = {
        "version": FORMAT_VERSION,
        "model": "logistic; features enter as log(1 + x), "
        + ", ".join(sorted(SIGNED))
        + " as sign(x) log(1 + |x|), "
        + ", ".join(sorted(LINEAR))
        + " as they are",
        "source": coefficients.source,
        "base_rate": coefficients.base_rate,
        "intercept": coefficients.intercept,
        "coefficients": dict(zip(FEATURES, coefficients.weights, strict=True)),
    }
    write_atomic(Path(path), json.dumps(document, indent=2) + "\n")


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse(text: str, source: str) -> Coefficients:
    """Coefficients from the text of a file save() wrote; InputError names source and what is wrong."""
    fix = "rerun `preflight backtest --fit`"
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{source}:{e.lineno}: not valid JSON ({e.msg}); {fix}") from e
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise InputError(f"{source}: not a version {FORMAT_VERSION} coefficients file; {fix}")
    given, intercept, rate = (
        document.get("coefficients"),
        document.get("intercept"),
        document.get("base_rate"),
    )
    if not isinstance(given, dict) or not _number(intercept):
        raise InputError(f"{source}: needs numeric 'intercept' and a 'coefficients' object; {fix}")
    if not _number(rate) or not 0 < float(rate) < 1:
        raise InputError(f"{source}: 'base_rate' must be a probability between 0 and 1, got {rate!r}; {fix}")
    unknown = sorted(set(given) - set(FEATURES))
    if unknown:
        raise InputError(f"{source}: unknown features {', '.join(unknown)}; known: {', '.join(FEATURES)}")
    weights = []
    for name in FEATURES:
        value = given.get(name, 0.0)
        if not _number(value):
            raise InputError(f"{source}: coefficient {name!r} must be a number, got {value!r}")
        weights.append(float(value))
    return Coefficients(float(intercept), tuple(weights), float(rate), str(document.get("source", source)))


def load(path: str | Path) -> Coefficients:
    """Read a coefficients file written by save(); InputError says what is wrong with it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read coefficients file ({e})") from e
    return parse(text, str(path))

"""Learning coefficients from a repository's own labelled history, and recalibrating them.

fit: L2-regularised logistic regression (IRLS, Newton's method) on standardised features,
weights pulled towards zero, expressed on the model's log scale again so the file stays
readable. fit_toward: the same likelihood, but the weights are pulled towards a prior model
(the documented defaults) with a chosen strength per training commit: with little or noisy
history the result stays near the prior, with much it follows the data. recalibrate: Platt
scaling with Steyerberg's closed test, see there. fit_pooled: one model from several projects
at once, each with its own intercept (the cross-project defaults, bench/backtest_crossproject.py);
calibrate_intercept: calibration in the large on other rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from preflight.history.coefficients import Coefficients, transform

Array = NDArray[np.float64]

KAMEI = (
    "subsystems",
    "directories",
    "files",
    "entropy",
    "lines_added",
    "lines_deleted",
    "file_size",
    "is_fix",
    "developers",
    "age_days",
    "past_changes",
    "author_experience",
    "author_file_experience",
)
"""Kamei et al.'s (2013) change metrics as FEATURES has them: NS, ND, NF, entropy, LA, LD, LT, FIX,
NDEV, AGE, NUC (past changes), EXP and SEXP (the author's changes to these files; REXP has no
counterpart): the classic just-in-time baseline, a logistic regression on their logs."""

CHI2_1DF, CHI2_2DF = 3.841, 5.991
MAX_SLOPE = 5.0
"""The steepest recalibration kept: a model five times too timid is implausible, and a held-out
slice its score separates perfectly would otherwise scale the weights without bound."""
"""95% quantiles of the chi-squared distribution with 1 and 2 degrees of freedom."""


def irls(
    design: Array, y: Array, penalty: Array, start: Array, iterations: int = 50, offset: Array | float = 0.0
) -> Array:
    """Penalised logistic regression by Newton's method: argmax loglik(offset + design beta)
    - sum(penalty * beta^2) / 2."""
    beta: Array = np.array(start, dtype=np.float64)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(offset + design @ beta, -35, 35)))
        gradient = design.T @ (y - p) - penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def _loglik(y: Array, z: Array) -> float:
    """Log-likelihood of outcomes y under log-odds z."""
    return float(np.sum(y * z - np.logaddexp(0.0, z)))


def _intercept_shift(score: Array, y: Array) -> float:
    """The shift of the log-odds score whose mean probability equals the observed rate of y (the
    maximum-likelihood intercept with score as an offset). The mean rises with the shift, so
    bisection always converges; Newton's method on the intercept alone overshoots without bound
    when it starts far from the answer."""
    low, high = -40.0, 40.0
    for _ in range(80):
        shift = (low + high) / 2
        if np.mean(1.0 / (1.0 + np.exp(-np.clip(score + shift, -35, 35)))) < y.mean():
            low = shift
        else:
            high = shift
    return (low + high) / 2


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


def fit_toward(
    prior: Coefficients,
    values: Sequence[Sequence[float]] | Array,
    labels: Sequence[int] | Array,
    strength: float,
    source: str = "fitted",
) -> Coefficients:
    """Logistic regression whose weights are pulled towards prior's: the penalty is strength x
    (number of rows) x the squared distance on the model's (log) scale; the intercept is free.
    strength=inf keeps prior's weights and fits the intercept alone."""
    x = transform(values)
    y = np.asarray(labels, dtype=np.float64)
    if len(x) != len(y) or not len(y):
        raise ValueError(f"need one label per row, got {len(x)} rows and {len(y)} labels")
    offset = x @ np.asarray(prior.weights)
    columns = 1 if math.isinf(strength) else 1 + x.shape[1]
    design = np.hstack([np.ones((len(x), 1)), x])[:, :columns]
    penalty = np.full(columns, strength * len(y) if columns > 1 else 0.0)
    penalty[0] = 0.0
    start = np.zeros(columns)
    start[0] = _logit(float(y.mean())) - float(offset.mean())
    # the prior enters as an offset: the fitted coefficients are the deviations from it
    beta = irls(design, y, penalty, start, offset=offset)
    weights = np.asarray(prior.weights) + (beta[1:] if columns > 1 else 0.0)
    fitted = Coefficients(float(beta[0]), tuple(float(w) for w in weights), 0.0, source)
    return with_base_rate(fitted, values)


def recalibrate(
    coefficients: Coefficients,
    values: Sequence[Sequence[float]] | Array,
    labels: Sequence[int] | Array,
    source: str | None = None,
) -> Coefficients:
    """Recalibrate on held-out rows, as little as they justify (Steyerberg's closed test).

    The candidates: the model as it is; a new intercept a (p = sigmoid(a + score), where score is
    the model's log-odds: calibration in the large); Platt scaling, p = sigmoid(a + b score).
    Each is kept only when a likelihood-ratio test at 5% prefers it over the simpler ones, so a
    held-out slice of a few hundred commits cannot bend a model on noise. a and b are folded into
    the intercept and weights, so the result is one logistic model again; b > 0 scales every
    weight alike, so the ranking is unchanged (b is kept between 0.05 and MAX_SLOPE). base_rate is left to
    the caller (with_base_rate)."""
    y = np.asarray(labels, dtype=np.float64)
    score = transform(values) @ np.asarray(coefficients.weights) + coefficients.intercept
    design = np.column_stack([np.ones(len(score)), score])
    shift = _intercept_shift(score, y)
    a, b = (float(v) for v in irls(design, y, np.zeros(2), np.zeros(2)))
    if not 0.05 <= b <= MAX_SLOPE:  # a separable slice sends b to infinity: every p would be 0 or 1
        b = min(max(b, 0.05), MAX_SLOPE)
        a = float(irls(design[:, :1], y, np.zeros(1), np.zeros(1), offset=b * score)[0])
    kept, moved, scaled = _loglik(y, score), _loglik(y, shift + score), _loglik(y, a + b * score)
    if 2 * (scaled - kept) > CHI2_2DF and 2 * (scaled - moved) > CHI2_1DF:
        weights, intercept = tuple(b * w for w in coefficients.weights), a + b * coefficients.intercept
    elif 2 * (moved - kept) > CHI2_1DF:
        weights, intercept = coefficients.weights, shift + coefficients.intercept
    else:
        weights, intercept = coefficients.weights, coefficients.intercept
    return Coefficients(intercept, weights, coefficients.base_rate, source or coefficients.source)


def fit_pooled(
    projects: Sequence[tuple[Sequence[Sequence[float]] | Array, Sequence[int] | Array]],
    l2: float = 1.0,
    own_intercepts: bool = True,
    columns: Sequence[str] | None = None,
    source: str = "pooled",
) -> Coefficients:
    """L2-regularised logistic regression on the (values, labels) rows of several projects at once,
    on features standardised over all of them; columns: the features learnt (the others' weights 0).

    With own_intercepts every project has its own unpenalised intercept, so the weights describe
    differences between changes of one project, not between projects: where the project with the
    bigger commits also has more defects for other reasons (its age, its labels' follow-up time),
    a single intercept would credit size with that difference too. The intercept returned is the
    mean of the projects' intercepts: set it with calibrate_intercept. base_rate: the mean
    probability of all rows."""
    from preflight.history.features import FEATURES

    blocks = [np.array(values, dtype=np.float64).reshape(-1, len(FEATURES)) for values, _ in projects]
    labels = [np.asarray(y, dtype=np.float64) for _, y in projects]
    if any(len(x) != len(y) or not len(y) for x, y in zip(blocks, labels, strict=True)):
        raise ValueError("need one label per row, and rows, in every project")
    x, y = np.vstack(blocks), np.concatenate(labels)
    if columns is not None:
        x[:, [i for i, name in enumerate(FEATURES) if name not in set(columns)]] = 0.0
    z = transform(x)
    mean, std = z.mean(axis=0), z.std(axis=0)
    varying = std > 1e-12
    standard = np.zeros_like(z)
    standard[:, varying] = (z[:, varying] - mean[varying]) / std[varying]
    groups = len(blocks) if own_intercepts else 1
    member = np.repeat(np.arange(len(blocks)), [len(b) for b in blocks]) if own_intercepts else 0
    indicators = np.zeros((len(y), groups))
    indicators[np.arange(len(y)), member] = 1.0
    design = np.hstack([indicators, standard])
    penalty = np.concatenate([np.zeros(groups), np.where(varying, l2, 1e6)])  # constant: weight 0
    start = np.zeros(design.shape[1])
    start[:groups] = _logit(float(y.mean()))
    beta = irls(design, y, penalty, start)
    weights = np.where(varying, beta[groups:] / np.where(varying, std, 1.0), 0.0)
    intercept = float(np.mean(beta[:groups]) - np.sum(weights * mean))
    fitted = Coefficients(intercept, tuple(float(w) for w in weights), 0.0, source)
    return with_base_rate(fitted, x)


def calibrate_intercept(
    coefficients: Coefficients,
    values: Sequence[Sequence[float]] | Array,
    labels: Sequence[int] | Array,
    source: str | None = None,
) -> Coefficients:
    """The coefficients with the intercept that makes their mean probability over the rows equal the
    rows' observed rate (the maximum-likelihood shift; weights and ranking unchanged), base_rate
    that mean."""
    y = np.asarray(labels, dtype=np.float64)
    score = transform(values) @ np.asarray(coefficients.weights) + coefficients.intercept
    shift = _intercept_shift(score, y)
    moved = replace(
        coefficients, intercept=coefficients.intercept + shift, source=source or coefficients.source
    )
    return with_base_rate(moved, values)


def fit_columns(
    values: Sequence[Sequence[float]] | Array,
    labels: Sequence[int] | Array,
    names: Sequence[str],
    l2: float = 1.0,
    source: str = "fitted",
) -> Coefficients:
    """fit() on the named features alone (the others' weights are 0): e.g. the Kamei baseline."""
    from preflight.history.features import FEATURES

    x = np.array(values, dtype=np.float64).reshape(-1, len(FEATURES))
    unused = [i for i, name in enumerate(FEATURES) if name not in set(names)]
    x[:, unused] = 0.0  # constant: fit pins their weights to 0
    return fit(x, labels, l2, source=source)

"""How well a risk score ranks changes, and how well its probabilities match what happened.

Ranking: ROC-AUC with a bootstrap interval, caught shares, lift, recall at the top k,
effort-aware recall, and a paired bootstrap of the difference between two scores.

"Lift at g%" is caught at g% divided by g: how many times more positives the gated changes
hold than a random g% would. "Recall at k" is the share of positives among the k riskiest
changes. "Effort-aware recall at 20%" (Kamei et al.'s ACC) is the share of positives caught by
reviewing the riskiest changes until 20% of all changed lines are read: a score that ranks big
changes first pays for their size here. A paired bootstrap resamples the same changes for two
scores and reports the difference (a - b) of AUC and of caught at 10%, its 95% interval and the
share of resamples where a is not better (a one-sided p).

"Caught at g% gated" is the share of positive (bug-inducing) changes among the
riskiest g% of changes. Ties are broken at random in expectation: when the
cut-off falls inside a group of equal scores, that group contributes its
positives in proportion to the part of it that is gated. That keeps a score
with many ties (such as "lines added") from looking better or worse by luck.

Calibration (probabilities only): the Brier score; calibration-in-the-large (the mean
predicted probability against the observed rate); the calibration slope (the weight of
logit(p) in a logistic regression of the outcomes on it: 1 is ideal, below 1 the
probabilities are too extreme, above 1 too timid); the expected calibration error (the
change-weighted mean gap between predicted and observed rates over deciles of the
prediction); and that reliability table by decile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
from numpy.typing import NDArray

GATED = (0.05, 0.10, 0.20)
"""The gated shares reported by default (Meta reports its Diff Risk Score at 5% and 10%)."""
TOP_K = (10, 25, 50)
"""The k of recall at the top k (pr-risk-action reports recall at top-k)."""
EFFORT = 0.20
"""Share of the changed lines reviewed for the effort-aware recall."""

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Metrics:
    """How one score ranks one labelled set of changes."""

    changes: int
    positives: int
    auc: float
    """ROC-AUC (NaN when one class is missing)."""
    auc_low: float
    """Lower end of the bootstrap 95% interval of the AUC."""
    auc_high: float
    """Upper end of the bootstrap 95% interval of the AUC."""
    brier: float | None
    """Mean squared error of the probabilities; None when the score is not a probability."""
    caught: tuple[tuple[float, float], ...]
    """(gated share, caught share) at each of GATED."""
    calibration: Calibration | None = None
    """None when the score is not a probability."""
    recall_at: tuple[tuple[int, float], ...] = ()
    """(k, share of positives among the k riskiest changes) at each of TOP_K."""
    effort_recall: float | None = None
    """Share of positives caught within EFFORT of the changed lines (None without efforts)."""

    @property
    def lift(self) -> float:
        """Caught at 10% gated over 10%: 1 is no better than chance."""
        return dict(self.caught).get(0.10, math.nan) / 0.10


@dataclass(frozen=True, slots=True)
class Difference:
    """A paired bootstrap of the difference between two scores on the same changes."""

    auc: float
    """AUC of a minus AUC of b."""
    auc_low: float
    auc_high: float
    auc_p: float
    """Share of resamples where a's AUC is not above b's (one-sided p of "a ranks better")."""
    caught: float
    """Caught at 10% gated of a minus that of b."""
    caught_low: float
    caught_high: float


@dataclass(frozen=True, slots=True)
class Calibration:
    """How well probabilities match the observed outcomes of one labelled set."""

    mean_predicted: float
    """Mean probability (calibration-in-the-large: compare with observed)."""
    observed: float
    """Share of positive changes."""
    slope: float
    """Calibration slope (1 is ideal; NaN when one class is missing)."""
    ece: float
    """Expected calibration error over the deciles."""
    deciles: tuple[tuple[int, float, float], ...]
    """(changes, mean predicted, observed rate) per decile of the prediction, lowest first."""


def calibration(
    probabilities: Sequence[float] | Array, labels: Sequence[int] | Array, bins: int = 10
) -> Calibration:
    """Calibration of probabilities against outcomes (see the module docstring); equal-count bins."""
    from preflight.history.fitting import irls

    p, y = _arrays(probabilities, labels)
    order = np.argsort(p, kind="stable")
    deciles = tuple(
        (len(part), float(p[part].mean()), float(y[part].mean()))
        for part in np.array_split(order, min(bins, len(p)))
        if len(part)
    )
    ece = sum(n * abs(predicted - seen) for n, predicted, seen in deciles) / len(p)
    slope = math.nan
    if 0 < y.sum() < len(y):
        clipped = np.clip(p, 1e-9, 1 - 1e-9)
        design = np.column_stack([np.ones(len(p)), np.log(clipped / (1 - clipped))])
        slope = float(irls(design, y, np.zeros(2), np.zeros(2))[1])
    return Calibration(float(p.mean()), float(y.mean()), slope, float(ece), deciles)


def _arrays(scores: Sequence[float] | Array, labels: Sequence[int] | Array) -> tuple[Array, Array]:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError(f"scores and labels must be 1-d of one length, got {s.shape} and {y.shape}")
    return s, y


def average_ranks(s: Array) -> Array:
    """Ranks 1..n along the last axis, tied values sharing their average rank (scipy's rankdata,
    method "average", without scipy: the core install has none)."""
    order = np.argsort(s, axis=-1, kind="stable")
    ordered = np.take_along_axis(s, order, axis=-1)
    rows, n = int(np.prod(s.shape[:-1], dtype=np.int64)), s.shape[-1]
    starts = np.ones(ordered.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    # one id per run of equal values, unique across rows: their mean position is the rank
    group = (np.cumsum(starts, axis=-1) - 1).reshape(rows, n) + (np.arange(rows) * n)[:, None]
    positions = np.broadcast_to(np.arange(1, n + 1, dtype=np.float64), (rows, n))
    sums = np.bincount(group.ravel(), weights=positions.ravel(), minlength=rows * n)
    counts = np.bincount(group.ravel(), minlength=rows * n)
    ranks = np.empty(s.shape, dtype=np.float64)
    np.put_along_axis(ranks, order, (sums[group] / counts[group]).reshape(s.shape), axis=-1)
    return ranks


def _auc_rows(s: Array, y: Array) -> Array:
    """AUC of each row of s against the matching row of y (average ranks for ties)."""
    ranks = average_ranks(s)
    pos = y.sum(axis=-1)
    neg = y.shape[-1] - pos
    with np.errstate(invalid="ignore", divide="ignore"):
        result: Array = ((ranks * y).sum(axis=-1) - pos * (pos + 1) / 2) / (pos * neg)
    return result


def auc(scores: Sequence[float] | Array, labels: Sequence[int] | Array) -> float:
    """ROC-AUC by ranks (the Mann-Whitney U statistic over positives x negatives); NaN if a class is empty."""
    s, y = _arrays(scores, labels)
    if not 0 < y.sum() < len(y):
        return math.nan
    return float(_auc_rows(s, y))


def auc_interval(
    scores: Sequence[float] | Array,
    labels: Sequence[int] | Array,
    resamples: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap 95% interval of the AUC (resampling changes with replacement, seeded)."""
    s, y = _arrays(scores, labels)
    if not 0 < y.sum() < len(y):
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    values: list[Array] = []
    chunk = max(1, 2_000_000 // len(s))  # bound memory: about 2 million ranked values at a time
    for start in range(0, resamples, chunk):
        idx = rng.integers(0, len(s), size=(min(chunk, resamples - start), len(s)))
        values.append(_auc_rows(s[idx], y[idx]))
    all_values = np.concatenate(values)
    all_values = all_values[~np.isnan(all_values)]
    return float(np.percentile(all_values, 2.5)), float(np.percentile(all_values, 97.5))


def brier(probabilities: Sequence[float] | Array, labels: Sequence[int] | Array) -> float:
    """Brier score: the mean squared difference between probability and outcome (lower is better)."""
    p, y = _arrays(probabilities, labels)
    return float(np.mean((p - y) ** 2))


def caught_share(scores: Sequence[float] | Array, labels: Sequence[int] | Array, gated: float) -> float:
    """Share of positives among the riskiest `gated` share of changes (ties split in expectation)."""
    s, y = _arrays(scores, labels)
    total = y.sum()
    if not total:
        return math.nan
    budget = gated * len(s)
    caught = 0.0
    values, inverse = np.unique(-s, return_inverse=True)  # groups of equal scores, riskiest first
    sizes = np.bincount(inverse, minlength=len(values)).astype(np.float64)
    hits = np.bincount(inverse, weights=y, minlength=len(values))
    for size, hit in zip(sizes, hits, strict=True):
        if budget <= 0:
            break
        taken = min(size, budget)
        caught += hit * taken / size
        budget -= taken
    return float(caught / total)


def curve(
    scores: Sequence[float] | Array, labels: Sequence[int] | Array, points: int = 51
) -> tuple[tuple[float, float], ...]:
    """(gated share, caught share) at `points` evenly spaced gated shares from 0 to 1."""
    return tuple((g, caught_share(scores, labels, g)) for g in (i / (points - 1) for i in range(points)))


def recall_at_k(scores: Sequence[float] | Array, labels: Sequence[int] | Array, k: int) -> float:
    """Share of positives among the k riskiest changes (ties split in expectation)."""
    s, _ = _arrays(scores, labels)
    return caught_share(scores, labels, min(k, len(s)) / len(s)) if len(s) else math.nan


def effort_recall(
    scores: Sequence[float] | Array, labels: Sequence[int] | Array, efforts: Sequence[float] | Array
) -> float:
    """Share of positives caught by reviewing the riskiest changes until EFFORT of the changed
    lines are read (the change that crosses the line counts in proportion; ties in random order,
    in expectation: a group of equal scores is read at its mean density)."""
    s, y = _arrays(scores, labels)
    e = np.maximum(np.asarray(efforts, dtype=np.float64), 0.0)
    if not y.sum() or e.sum() <= 0:
        return math.nan
    budget = EFFORT * e.sum()
    caught = 0.0
    values, inverse = np.unique(-s, return_inverse=True)
    sizes = np.bincount(inverse, weights=e, minlength=len(values))
    hits = np.bincount(inverse, weights=y, minlength=len(values))
    for size, hit in zip(sizes, hits, strict=True):
        if budget <= 0:
            break
        if size <= budget:
            caught, budget = caught + hit, budget - size
        else:
            caught, budget = caught + hit * budget / size, 0.0
    return float(caught / y.sum())


def evaluate(
    scores: Sequence[float] | Array,
    labels: Sequence[int] | Array,
    probabilities: bool = True,
    resamples: int = 1000,
    seed: int = 0,
    efforts: Sequence[float] | Array | None = None,
) -> Metrics:
    """All metrics of one score on one labelled set; Brier only when scores are probabilities,
    effort-aware recall only with efforts (the changed lines of each change)."""
    s, y = _arrays(scores, labels)
    low, high = auc_interval(s, y, resamples, seed)
    return Metrics(
        changes=len(s),
        positives=int(y.sum()),
        auc=auc(s, y),
        auc_low=low,
        auc_high=high,
        brier=brier(s, y) if probabilities else None,
        caught=tuple((g, caught_share(s, y, g)) for g in GATED),
        calibration=calibration(s, y) if probabilities else None,
        recall_at=tuple((k, recall_at_k(s, y, k)) for k in TOP_K),
        effort_recall=effort_recall(s, y, efforts) if efforts is not None else None,
    )


def paired_difference(
    a: Sequence[float] | Array,
    b: Sequence[float] | Array,
    labels: Sequence[int] | Array,
    resamples: int = 1000,
    seed: int = 0,
) -> Difference:
    """Paired percentile bootstrap of AUC(a) - AUC(b) and caught@10%(a) - caught@10%(b)."""
    sa, y = _arrays(a, labels)
    sb, _ = _arrays(b, labels)
    if not 0 < y.sum() < len(y):
        return Difference(*(math.nan,) * 7)
    rng = np.random.default_rng(seed)
    aucs: list[Array] = []
    chunk = max(1, 1_000_000 // len(y))
    for start in range(0, resamples, chunk):
        idx = rng.integers(0, len(y), size=(min(chunk, resamples - start), len(y)))
        aucs.append(_auc_rows(sa[idx], y[idx]) - _auc_rows(sb[idx], y[idx]))
    auc_d = np.concatenate(aucs)
    auc_d = auc_d[~np.isnan(auc_d)]
    caught_d = []
    for _ in range(min(resamples, 300)):  # caught shares: a loop per resample, fewer of them
        idx = rng.integers(0, len(y), size=len(y))
        if y[idx].sum():
            caught_d.append(caught_share(sa[idx], y[idx], 0.10) - caught_share(sb[idx], y[idx], 0.10))
    c = np.asarray(caught_d)
    return Difference(
        auc=auc(sa, y) - auc(sb, y),
        auc_low=float(np.percentile(auc_d, 2.5)),
        auc_high=float(np.percentile(auc_d, 97.5)),
        auc_p=float(np.mean(auc_d <= 0)),
        caught=caught_share(sa, y, 0.10) - caught_share(sb, y, 0.10),
        caught_low=float(np.percentile(c, 2.5)) if len(c) else math.nan,
        caught_high=float(np.percentile(c, 97.5)) if len(c) else math.nan,
    )


_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def svg_plot(series: Mapping[str, Sequence[tuple[float, float]]], title: str) -> str:
    """A standalone SVG line chart of caught share against gated share, one line per series."""
    width, height, left, top, side = 480, 400, 60, 40, 320
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="24" font-size="14">{escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{side}" height="{side}" fill="none" stroke="#444"/>',
    ]

    def xy(g: float, c: float) -> str:
        return f"{left + g * side:.1f},{top + (1 - c) * side:.1f}"

    for tick in range(0, 101, 20):
        t = tick / 100
        out.append(
            f'<text x="{left + t * side:.1f}" y="{top + side + 16}" text-anchor="middle">{tick}%</text>'
        )
        out.append(
            f'<text x="{left - 6}" y="{top + (1 - t) * side + 4:.1f}" text-anchor="end">{tick}%</text>'
        )
    out.append(f'<text x="{left + side / 2}" y="{top + side + 34}" text-anchor="middle">changes gated</text>')
    out.append(
        f'<text x="16" y="{top + side / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {top + side / 2})">bug-inducing changes caught</text>'
    )
    out.append(f'<polyline points="{xy(0, 0)} {xy(1, 1)}" fill="none" stroke="#999" stroke-dasharray="4 4"/>')
    legend = [("random", "#999")]
    for (name, points), colour in zip(series.items(), _COLOURS, strict=False):
        path = " ".join(xy(g, c) for g, c in points if not math.isnan(c))
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        legend.append((name, colour))
    for i, (name, colour) in enumerate(legend):
        y = top + side - 12 - 16 * (len(legend) - 1 - i)
        out.append(f'<rect x="{left + side - 150}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{left + side - 135}" y="{y}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"

"""Replay a repository's history and measure how well the defect model ranks its commits.

Every commit is scored with features from the commits before it. Labels come
from an incidents file when given, else from SZZ. With fit=True the commits are
split in time: the model learns on the oldest TRAIN_SHARE of commits, with SZZ
labels as known at the end of that period (only fixes committed in it), and is
evaluated on the newer commits with all labels, so nothing is learnt from the future.

Within the training period, the newest CALIBRATION_SHARE is held out. On the older part the
weights are fitted towards the documented defaults (fitting.fit_toward) at each of STRENGTHS;
the strength whose model ranks the held-out commits best is kept (ties: the stronger, nearer
the defaults). Project histories are short and SZZ labels noisy; an unrestrained fit learns
the quirks of one period (on click it ranked the held-out slice worse than chance), while the
defaults carry what the literature and other projects agree on. The same held-out commits
then recalibrate the kept model (fitting.recalibrate: intercept, then slope, each only when a
likelihood-ratio test says so; the ranking is unchanged). Why recalibrate on the newest slice:
the gate scores changes newer than anything it learnt from, and a project's rate of
bug-inducing changes drifts over its life, so the probabilities should fit the period nearest
the one they will be used in. The cost: those labels are the most right-censored (fixes of the
newest commits come later), which pulls the probabilities down. base_rate is the mean
recalibrated probability over the whole training period.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from preflight import repository
from preflight.errors import InputError
from preflight.history import features, fitting, incidents, metrics, szz
from preflight.history.coefficients import DEFAULT_COEFFICIENTS, Coefficients, save

TRAIN_SHARE = 0.6
"""Share of the commits (oldest first) used for fitting; the rest is the evaluation period."""
CALIBRATION_SHARE = 0.2
"""Share of the training period (its newest commits) held out to choose the strength and recalibrate."""
STRENGTHS = (0.001, 0.01, 0.1, 1.0, math.inf)
"""How hard the fit pulls the weights towards the defaults, per training commit (inf: the defaults'
weights, a new intercept)."""

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): total is 0 when unknown."""


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """What a backtest measured on one repository."""

    repo: str
    range: str | None
    labels: str
    """"szz" or "incidents"."""
    commits: int
    """Non-merge commits of the range (each gets features and a label)."""
    positives: int
    """Commits labelled bug-inducing (or incident-causing) in the whole range."""
    evaluated: int
    """Commits in the evaluation period (all commits when not fitting)."""
    trained: int
    """Commits the coefficients were fitted on (0 when not fitting)."""
    fixes: int
    """Fix commits whose lines were blamed (SZZ only)."""
    unmatched_incidents: int
    feature_seconds: float
    label_seconds: float
    coefficients: Coefficients
    """The coefficients scored in "model"."""
    metrics: tuple[tuple[str, metrics.Metrics], ...]
    """On the evaluation period: ("model", ...); when fitting, ("fitted, not recalibrated", ...) and
    ("default coefficients", ...); ("lines added", ...)."""
    curves: tuple[tuple[str, tuple[tuple[float, float], ...]], ...]
    """Caught share vs gated share for each entry of metrics."""
    unreadable: tuple[str, ...] = ()
    """Paths left out of the history because git could not read one of their blobs."""
    failed_blames: int = 0
    """SZZ blames git refused (their lines unlabelled)."""

    @property
    def commits_per_second(self) -> float:
        """Feature extraction speed."""
        return self.commits / self.feature_seconds if self.feature_seconds else float("inf")

    def svg(self) -> str:
        """The caught-vs-gated plot of this backtest as SVG."""
        return metrics.svg_plot(dict(self.curves), f"{Path(self.repo).name}: caught vs gated")


def _fit(
    repo_path: str | Path, x: np.ndarray, y: np.ndarray, prior: Coefficients
) -> tuple[Coefficients, Coefficients]:
    """(recalibrated, as fitted) coefficients from the training period's rows (oldest first)."""
    cut = len(y)
    if not 0 < y.sum() < cut:
        raise InputError(f"{repo_path}: the training period has no labelled commits of one class; cannot fit")
    start = int(cut * (1 - CALIBRATION_SHARE))
    name = Path(repo_path).name
    if not 0 < y[:start].sum() < start or not 0 < y[start:].sum() < cut - start:  # too few to hold out
        source = f"fitted on {cut} commits of {name} toward the defaults (too few labels to hold any out)"
        fitted = fitting.fit_toward(prior, x, y, 0.1, source)
        return fitted, fitted
    best, best_auc, strength = prior, -1.0, math.inf
    for candidate_strength in sorted(STRENGTHS, reverse=True):  # on a tie, the one nearer the defaults
        candidate = fitting.fit_toward(prior, x[:start], y[:start], candidate_strength)
        found = metrics.auc(candidate.probability(x[start:]), y[start:])
        if found > best_auc:
            best, best_auc, strength = candidate, found, candidate_strength
    source = (
        f"fitted on {start} commits of {name} toward the defaults (strength {strength:g}, chosen on the"
        f" next {cut - start}), recalibrated on those"
    )
    calibrated = fitting.recalibrate(best, x[start:], y[start:], source)
    return fitting.with_base_rate(calibrated, x), fitting.with_base_rate(replace(best, source=source), x)


def backtest(
    repo_path: str | Path,
    range: str | None = None,
    incidents_file: str | Path | None = None,
    fit: bool = False,
    progress: Progress | None = None,
    coefficients: Coefficients | None = None,
    save_coefficients: str | Path | None = None,
    resamples: int = 1000,
) -> BacktestResult:
    """Score every commit of range with only what was known at its parent; measure ranking and calibration."""
    report = progress or (lambda stage, done, total: None)
    tip = (range or "HEAD").split("..")[-1] or "HEAD"
    total = len(repository.rev_list(Path(repo_path), tip)) if progress is not None else 0  # for the bar
    history = features.extract(repo_path, range, lambda seen: report("features", seen, total))
    commits = history.commits
    if len(commits) < 10:
        raise InputError(f"{repo_path}: only {len(commits)} non-merge commits in range; a backtest needs 10+")
    started = time.perf_counter()
    fixes = failed_blames = 0
    unmatched: tuple[incidents.Incident, ...] = ()
    if incidents_file is not None:
        positive, unmatched = incidents.labels(repo_path, history, incidents.load(incidents_file))
        known_at: Callable[[int], set[str]] = lambda cut: positive  # noqa: E731 - no dates in the file
        source = "incidents"
    else:
        links = szz.label(
            repo_path,
            commits,
            lambda done, total: report("szz", done, total),
            exclude=history.unreadable,
            tip=tip,
        )
        positive, fixes, source = links.inducing(), links.fixes, "szz"
        failed_blames = links.failed_blames
        known_at = lambda cut: links.inducing(c.sha for c in commits[:cut])  # noqa: E731
    label_seconds = time.perf_counter() - started
    values = np.array([c.values for c in commits])
    y = np.array([c.sha in positive for c in commits], dtype=np.float64)
    chosen = coefficients or DEFAULT_COEFFICIENTS
    cut = int(len(commits) * TRAIN_SHARE) if fit else 0
    scored: list[tuple[str, Coefficients]] = []
    if fit:
        known = known_at(cut)
        train_y = np.array([c.sha in known for c in commits[:cut]], dtype=np.float64)
        prior = coefficients or DEFAULT_COEFFICIENTS
        chosen, uncalibrated = _fit(repo_path, values[:cut], train_y, prior)
        if save_coefficients is not None:
            save(chosen, save_coefficients)
        scored += [
            ("fitted, not recalibrated", uncalibrated),
            ("default coefficients", coefficients or DEFAULT_COEFFICIENTS),
        ]
    report("metrics", 0, 1)
    test_x, test_y = values[cut:], y[cut:]
    results: list[tuple[str, metrics.Metrics]] = []
    curves: list[tuple[str, tuple[tuple[float, float], ...]]] = []
    for name, coef in [("model", chosen), *scored]:
        p = coef.probability(test_x)
        results.append((name, metrics.evaluate(p, test_y, resamples=resamples)))
        if name != "fitted, not recalibrated":  # the model's ranking: the same curve
            curves.append((name, metrics.curve(p, test_y)))
    added = test_x[:, features.FEATURES.index("lines_added")]
    results.append(("lines added", metrics.evaluate(added, test_y, probabilities=False, resamples=resamples)))
    curves.append(("lines added", metrics.curve(added, test_y)))
    report("metrics", 1, 1)
    return BacktestResult(
        repo=str(repo_path),
        range=range,
        labels=source,
        commits=len(commits),
        positives=int(y.sum()),
        evaluated=len(test_y),
        trained=cut,
        fixes=fixes,
        unmatched_incidents=len(unmatched),
        feature_seconds=history.seconds,
        label_seconds=label_seconds,
        coefficients=chosen,
        metrics=tuple(results),
        curves=tuple(curves),
        unreadable=history.unreadable,
        failed_blames=failed_blames,
    )

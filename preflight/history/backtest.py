"""Replay a repository's history and measure how well the defect model ranks its commits.

Every commit is scored with features from the commits before it. Labels come
from an incidents file when given, else from SZZ. Only commits that add production lines
(non-test, non-vendored .py) are scored, learnt from and counted: the others cannot carry a
defect SZZ would find, and counting them flatters every size-driven score. With fit=True the
commits are split in time: the model learns on the oldest TRAIN_SHARE of commits, with SZZ
labels as known at the end of that period (only fixes committed in it), and is
evaluated on the newer commits with all labels, so nothing is learnt from the future. Next to
it, always on the same commits and labels: production lines added, lines added, and (fitting)
a Kamei-style logistic regression learnt on the same training commits, with a paired
bootstrap of the differences. With fewer than MIN_COMMITS training commits or MIN_POSITIVES
bug-inducing ones, --fit keeps the defaults and says so.

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
from preflight.history.metrics import Difference

TRAIN_SHARE = 0.6
"""Share of the commits (oldest first) used for fitting; the rest is the evaluation period."""
CALIBRATION_SHARE = 0.2
"""Share of the training period (its newest commits) held out to choose the strength and recalibrate."""
MIN_COMMITS, MIN_POSITIVES = 100, 20
"""The least evidence --fit learns from: training-period commits that touch production code, and
bug-inducing ones among them (known at its end). With less, the defaults stay, and the result says so."""
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
    """On the evaluation period's commits that add production lines: ("model", ...); when fitting,
    ("fitted, not recalibrated", ...), ("default coefficients", ...) and ("Kamei logistic regression",
    ...); then ("production lines added", ...) and ("lines added", ...)."""
    curves: tuple[tuple[str, tuple[tuple[float, float], ...]], ...]
    """Caught share vs gated share for each entry of metrics."""
    differences: tuple[tuple[str, str, Difference], ...] = ()
    """(score, baseline, paired bootstrap of score - baseline) on the same commits."""
    eligible: int = 0
    """Commits of the range that add production lines (non-test, non-vendored .py): the only
    ones that can carry a defect SZZ finds, and the only ones scored."""
    fitted: bool = False
    """Whether the coefficients were learnt (False: the defaults, also when --fit found too
    little evidence; coefficients.source says why)."""
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
    repo_path: str | Path,
    x: np.ndarray,
    y: np.ndarray,
    prior: Coefficients,
    min_evidence: tuple[int, int] = (MIN_COMMITS, MIN_POSITIVES),
) -> tuple[Coefficients, Coefficients]:
    """(recalibrated, as fitted) coefficients from the training period's rows (oldest first); the
    prior unchanged, its source saying why, below MIN_COMMITS or MIN_POSITIVES."""
    cut = len(y)
    least, least_positives = min_evidence
    if cut < least or y.sum() < least_positives or y.sum() == cut:
        source = (
            f"default: too little evidence to fit ({cut} commits touching production code, {int(y.sum())}"
            f" bug-inducing in the training period; --fit needs {least} and {least_positives})"
        )
        kept = replace(prior, source=source)
        return kept, kept
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
    min_evidence: tuple[int, int] = (MIN_COMMITS, MIN_POSITIVES),
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
    eligible = values[:, features.FEATURES.index("prod_lines_added")] > 0
    chosen = coefficients or DEFAULT_COEFFICIENTS
    cut = int(len(commits) * TRAIN_SHARE) if fit else 0
    scored: list[tuple[str, Coefficients]] = []
    fitted = False
    if fit:
        known = known_at(cut)
        train = eligible[:cut]
        train_y = np.array([c.sha in known for c in commits[:cut]], dtype=np.float64)[train]
        train_x = values[:cut][train]
        prior = coefficients or DEFAULT_COEFFICIENTS
        chosen, uncalibrated = _fit(repo_path, train_x, train_y, prior, min_evidence)
        fitted = chosen.source != prior.source and not chosen.source.startswith("default: too little")
        if save_coefficients is not None and fitted:
            save(chosen, save_coefficients)
        scored += [("default coefficients", prior)]
        if fitted:
            scored.insert(0, ("fitted, not recalibrated", uncalibrated))
        if 0 < train_y.sum() < len(train_y):
            kamei = fitting.fit_columns(train_x, train_y, fitting.KAMEI, source="Kamei")
            scored.append(("Kamei logistic regression", fitting.with_base_rate(kamei, train_x)))
    report("metrics", 0, 1)
    test = eligible[cut:]
    test_x, test_y = values[cut:][test], y[cut:][test]
    column = features.FEATURES.index
    efforts = test_x[:, column("prod_lines_added")] + test_x[:, column("prod_lines_deleted")]
    results: list[tuple[str, metrics.Metrics]] = []
    curves: list[tuple[str, tuple[tuple[float, float], ...]]] = []
    ranked: dict[str, np.ndarray] = {}
    for name, coef in [("model", chosen), *scored]:
        p = coef.probability(test_x)
        ranked[name] = p
        results.append((name, metrics.evaluate(p, test_y, resamples=resamples, efforts=efforts)))
        if name != "fitted, not recalibrated":  # the model's ranking: the same curve
            curves.append((name, metrics.curve(p, test_y)))
    for name in ("production lines added", "lines added"):
        raw = test_x[:, column(name.replace("production", "prod").replace(" ", "_"))]
        ranked[name] = raw
        results.append(
            (name, metrics.evaluate(raw, test_y, probabilities=False, resamples=resamples, efforts=efforts))
        )
        curves.append((name, metrics.curve(raw, test_y)))
    differences = [
        (score, baseline, metrics.paired_difference(ranked[score], ranked[baseline], test_y, resamples))
        for score in ("model", "default coefficients")
        for baseline in ("production lines added", "Kamei logistic regression")
        if score in ranked and baseline in ranked and (score != "default coefficients" or fitted)
    ]
    report("metrics", 1, 1)
    return BacktestResult(
        repo=str(repo_path),
        range=range,
        labels=source,
        commits=len(commits),
        positives=int(y.sum()),
        evaluated=len(test_y),
        trained=int(eligible[:cut].sum()),
        fixes=fixes,
        unmatched_incidents=len(unmatched),
        feature_seconds=history.seconds,
        label_seconds=label_seconds,
        coefficients=chosen,
        metrics=tuple(results),
        curves=tuple(curves),
        unreadable=history.unreadable,
        failed_blames=failed_blames,
        differences=tuple(differences),
        eligible=int(eligible.sum()),
        fitted=fitted,
    )

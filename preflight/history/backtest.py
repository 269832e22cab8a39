"""Replay a repository's history and measure how well the defect model ranks its commits.

Every commit is scored with features from the commits before it. Labels come
from an incidents file when given, else from SZZ. With fit=True the commits are
split in time: the model learns on the oldest TRAIN_SHARE of commits, with SZZ
labels as known at the end of that period (only fixes committed in it), and is
evaluated on the newer commits with all labels, so nothing is learnt from the future.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from preflight.errors import InputError
from preflight.history import features, incidents, metrics, model, szz

TRAIN_SHARE = 0.6
"""Share of the commits (oldest first) used for fitting; the rest is the evaluation period."""

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
    coefficients: model.Coefficients
    """The coefficients scored in "model"."""
    metrics: tuple[tuple[str, metrics.Metrics], ...]
    """("model", ...), ("default coefficients", ...) when fitting, ("lines added", ...) on the evaluation period."""
    curves: tuple[tuple[str, tuple[tuple[float, float], ...]], ...]
    """Caught share vs gated share for each entry of metrics."""

    @property
    def commits_per_second(self) -> float:
        """Feature extraction speed."""
        return self.commits / self.feature_seconds if self.feature_seconds else float("inf")

    def svg(self) -> str:
        """The caught-vs-gated plot of this backtest as SVG."""
        return metrics.svg_plot(dict(self.curves), f"{Path(self.repo).name}: caught vs gated")


def backtest(
    repo_path: str | Path,
    range: str | None = None,
    incidents_file: str | Path | None = None,
    fit: bool = False,
    progress: Progress | None = None,
    coefficients: model.Coefficients | None = None,
    save_coefficients: str | Path | None = None,
    resamples: int = 1000,
) -> BacktestResult:
    """Score every commit of range with only what was known at its parent, and measure the ranking."""
    report = progress or (lambda stage, done, total: None)
    history = features.extract(repo_path, range, lambda seen: report("features", seen, 0))
    commits = history.commits
    if len(commits) < 10:
        raise InputError(f"{repo_path}: only {len(commits)} non-merge commits in range; a backtest needs 10+")
    started = time.perf_counter()
    fixes = 0
    unmatched: tuple[incidents.Incident, ...] = ()
    if incidents_file is not None:
        positive, unmatched = incidents.labels(repo_path, history, incidents.load(incidents_file))
        known_at: Callable[[int], set[str]] = lambda cut: positive  # noqa: E731 - no dates in the file
        source = "incidents"
    else:
        links = szz.label(repo_path, commits, lambda done, total: report("szz", done, total))
        positive, fixes, source = links.inducing(), links.fixes, "szz"
        known_at = lambda cut: links.inducing(c.sha for c in commits[:cut])  # noqa: E731
    label_seconds = time.perf_counter() - started
    values = np.array([c.values for c in commits])
    y = np.array([c.sha in positive for c in commits], dtype=np.float64)
    chosen = coefficients or model.DEFAULT_COEFFICIENTS
    cut = int(len(commits) * TRAIN_SHARE) if fit else 0
    scored: list[tuple[str, model.Coefficients]] = []
    if fit:
        known = known_at(cut)
        train_y = np.array([c.sha in known for c in commits[:cut]], dtype=np.float64)
        if not 0 < train_y.sum() < cut:
            raise InputError(
                f"{repo_path}: the training period has no labelled commits of one class; cannot fit"
            )
        chosen = model.fit(values[:cut], train_y, source=f"fitted on {cut} commits of {Path(repo_path).name}")
        if save_coefficients is not None:
            model.save(chosen, save_coefficients)
        scored.append(("default coefficients", coefficients or model.DEFAULT_COEFFICIENTS))
    report("metrics", 0, 1)
    test_x, test_y = values[cut:], y[cut:]
    results: list[tuple[str, metrics.Metrics]] = []
    curves: list[tuple[str, tuple[tuple[float, float], ...]]] = []
    for name, coef in [("model", chosen), *scored]:
        p = coef.probability(test_x)
        results.append((name, metrics.evaluate(p, test_y, resamples=resamples)))
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
    )

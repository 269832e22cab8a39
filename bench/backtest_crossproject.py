"""Cross-project default coefficients (issue 22, point 4): fitted on development projects, chosen
by leave-one-project-out (LOPO), evaluated once on held-out projects.

    python -m bench.backtest_crossproject select               # development set only
    python -m bench.backtest_crossproject evaluate --name after --projects held-out
    python -m bench.backtest_crossproject report               # bench/results/backtest-crossproject.md
    python -m bench.backtest_crossproject time werkzeug        # `preflight backtest --fit`, timed

The split (bench.backtest.DEVELOPMENT and HELD_OUT) was fixed before any result was seen.
Every project contributes its non-merge commits that add production lines; its training period
is the oldest TRAIN_SHARE with the SZZ labels known at its end, its evaluation period the rest
with every label known today (bench.backtest_data).

select: a LOPO round scores one feature set and fit: for each development project, fit_pooled
on the training periods of the other ten, calibrate_intercept on their evaluation periods
(pooled), then score the left-out project's evaluation period. The criterion is the mean ROC-AUC
over the projects with at least MIN_POSITIVES bug-inducing commits there. The fit (L2 strength,
one intercept per project or one for all) is chosen on every candidate feature; then backward
elimination drops, one at a time, the feature whose removal leaves the best criterion, and the
smallest set within TOLERANCE of the best on that path is kept. The defaults are that fit on the
training periods of all development projects, their intercept calibrated on all their
evaluation periods; DEFAULT_BASE_RATE is their mean probability there.

evaluate: DEFAULT_COEFFICIENTS of the `preflight` on sys.path (run it from a checkout of an older
commit, with these bench files copied in, for "before") on the evaluation periods of the
projects, next to production lines added and a Kamei-style logistic regression fitted on each
project's own training period, with paired bootstraps; and the mean over the projects with a
bootstrap stratified by project.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.backtest_data import DEVELOPMENT, HELD_OUT, Project, load
from preflight.history import fitting, metrics
from preflight.history.coefficients import Coefficients
from preflight.history.features import FEATURES

RESULTS = Path(__file__).parent / "results"
SELECTION = RESULTS / "backtest-crossproject-development.json"
EXCLUDED = {
    "migration_files": "no development project has database migrations; the only matches are alembic's "
    "own package (its directory is named alembic/, which MIGRATION_GLOBS match), so its weight "
    "would only say which project a commit comes from",
}
"""Features never learnt, and why."""
MIN_POSITIVES = 10
"""A project counts in the selection criterion with this many bug-inducing commits in its
evaluation period (fewer: its AUC is mostly noise; it is still reported)."""
TOLERANCE = 0.002
"""Backward elimination keeps the smallest feature set within this of the best mean LOPO AUC."""
L2 = (1.0, 10.0, 100.0, 1000.0)
"""Penalties tried (on standardised features, summed over all training rows)."""
NAMED = ("past_changes", "past_fixes", "file_size", "developers")
"""The features the issue found to hurt on new projects: checked one by one."""
WITHIN = 0.25
"""The calibration target: mean predicted within this share of the observed rate."""

RAW = ("production lines added", "lines added")
"""Scores that are counts, not probabilities."""

Row = dict[str, float | int | str | None]


def _measure(
    p: np.ndarray,
    y: np.ndarray,
    resamples: int = 0,
    efforts: np.ndarray | None = None,
    probabilities: bool = True,
) -> Row:
    """The numbers of one score on one project's evaluation period (NaN where a class is missing);
    resamples 0: no bootstrap interval."""
    row: Row = {"changes": len(y), "positives": int(y.sum()), "observed": float(y.mean()) if len(y) else None}
    if not 0 < y.sum() < len(y):
        return {
            **row,
            "auc": math.nan,
            "caught10": math.nan,
            "mean_predicted": float(p.mean()) if probabilities else None,
        }
    m = metrics.evaluate(p, y, probabilities=probabilities, resamples=max(resamples, 1), efforts=efforts)
    row.update(
        auc=m.auc,
        auc_low=m.auc_low if resamples else None,
        auc_high=m.auc_high if resamples else None,
        caught5=m.caught[0][1],
        caught10=m.caught[1][1],
        caught20=m.caught[2][1],
        lift=m.lift,
        recall_top10=m.recall_at[0][1],
        effort_recall=m.effort_recall,
    )
    if m.calibration is not None:
        c = m.calibration
        row.update(mean_predicted=c.mean_predicted, slope=c.slope, ece=c.ece, brier=m.brier)
    return row


def _difference(a: np.ndarray, b: np.ndarray, y: np.ndarray, resamples: int) -> Row:
    if not 0 < y.sum() < len(y):
        return {}
    d = metrics.paired_difference(a, b, y, resamples)
    return {
        "auc": d.auc,
        "auc_low": d.auc_low,
        "auc_high": d.auc_high,
        "p": d.auc_p,
        "caught10": d.caught,
        "caught10_low": d.caught_low,
        "caught10_high": d.caught_high,
    }


def fit(projects: Sequence[Project], columns: Sequence[str], l2: float, own: bool) -> Coefficients:
    """Weights on the projects' training periods, intercept calibrated on their evaluation periods."""
    pooled = fitting.fit_pooled([p.training() for p in projects], l2, own, columns, source="pooled")
    x = np.vstack([p.evaluation()[0] for p in projects])
    y = np.concatenate([p.evaluation()[1] for p in projects])
    return fitting.calibrate_intercept(pooled, x, y)


def lopo(projects: Sequence[Project], columns: Sequence[str], l2: float, own: bool) -> dict[str, np.ndarray]:
    """Each project's evaluation-period probabilities from the model fitted on the others."""
    return {
        left.name: fit([p for p in projects if p is not left], columns, l2, own).probability(
            left.evaluation()[0]
        )
        for left in projects
    }


def criterion(projects: Sequence[Project], scores: dict[str, np.ndarray]) -> tuple[float, float]:
    """(mean ROC-AUC, mean caught at 10% gated) over the projects with MIN_POSITIVES or more."""
    counted = [p for p in projects if p.evaluation()[1].sum() >= MIN_POSITIVES]
    aucs = [metrics.auc(scores[p.name], p.evaluation()[1]) for p in counted]
    caught = [metrics.caught_share(scores[p.name], p.evaluation()[1], 0.10) for p in counted]
    return float(np.mean(aucs)), float(np.mean(caught))


def select() -> int:
    started = time.perf_counter()
    projects = [load(name) for name in DEVELOPMENT]
    candidates = [f for f in FEATURES if f not in EXCLUDED]
    fits = []
    for l2 in L2:
        for own in (True, False):
            auc, caught = criterion(projects, lopo(projects, candidates, l2, own))
            fits.append({"l2": l2, "own_intercepts": own, "auc": auc, "caught10": caught})
            print(f"fit l2={l2:g} own={own}: {auc:.4f} / {caught:.3f}", file=sys.stderr)
    best_fit = max(fits, key=lambda f: (f["auc"], f["l2"]))
    l2, own = float(best_fit["l2"]), bool(best_fit["own_intercepts"])
    kept = list(candidates)
    auc, caught = criterion(projects, lopo(projects, kept, l2, own))
    path: list[dict[str, Any]] = [{"dropped": None, "features": list(kept), "auc": auc, "caught10": caught}]
    while len(kept) > 1:
        trials = []
        for feature in kept:
            rest = [f for f in kept if f != feature]
            trials.append((*criterion(projects, lopo(projects, rest, l2, own)), feature))
        auc, caught, dropped = max(trials)
        kept.remove(dropped)
        path.append({"dropped": dropped, "features": list(kept), "auc": auc, "caught10": caught})
        print(f"drop {dropped}: {auc:.4f} / {caught:.3f}", file=sys.stderr)
    top = max(step["auc"] for step in path)
    chosen = min((s for s in path if s["auc"] >= top - TOLERANCE), key=lambda s: len(s["features"]))
    columns = list(chosen["features"])
    named = []
    for base_name, base in (("all candidates", candidates), ("chosen", columns)):
        a0, c0 = criterion(projects, lopo(projects, base, l2, own))
        for feature in NAMED:
            other = [f for f in base if f != feature] if feature in base else [*base, feature]
            a, c = criterion(projects, lopo(projects, other, l2, own))
            named.append(
                {
                    "feature": feature,
                    "base": base_name,
                    "removed": feature in base,
                    "auc": a - a0,
                    "caught10": c - c0,
                }
            )
    per_project = {}
    chosen_scores = lopo(projects, columns, l2, own)
    all_scores = lopo(projects, candidates, l2, own)
    column = FEATURES.index("prod_lines_added")
    for p in projects:
        x, y = p.evaluation()
        size = x[:, column]
        efforts = size + x[:, FEATURES.index("prod_lines_deleted")]
        per_project[p.name] = {
            "chosen": _measure(chosen_scores[p.name], y, 1000, efforts),
            "all candidates": _measure(all_scores[p.name], y, 0, efforts),
            "production lines added": _measure(size, y, 1000, efforts, probabilities=False),
            "chosen - production lines added": _difference(chosen_scores[p.name], size, y, 1000),
        }
    final = fit(projects, columns, l2, own)
    document = {
        "projects": list(DEVELOPMENT),
        "excluded": EXCLUDED,
        "min_positives": MIN_POSITIVES,
        "tolerance": TOLERANCE,
        "fits": fits,
        "fit": {"l2": l2, "own_intercepts": own},
        "path": path,
        "chosen": columns,
        "named": named,
        "lopo": per_project,
        "coefficients": {
            "intercept": final.intercept,
            "base_rate": final.base_rate,
            "weights": dict(zip(FEATURES, final.weights, strict=True)),
        },
        "seconds": time.perf_counter() - started,
    }
    SELECTION.write_text(json.dumps(document, indent=1), encoding="utf-8")
    print(f"chosen ({len(columns)}): {', '.join(columns)}; l2 {l2:g}, own intercepts {own}", file=sys.stderr)
    print(f"DEFAULT_INTERCEPT = {final.intercept:.4f}\nDEFAULT_BASE_RATE = {final.base_rate:.4f}")
    for name, weight in zip(FEATURES, final.weights, strict=True):
        print(f'    "{name}": {weight:.4f},')
    return 0


def _pooled(
    results: dict[str, dict[str, np.ndarray]], a: str, b: str, least: int = 1, resamples: int = 1000
) -> Row:
    """Mean over the projects with `least` positives or more (and a negative) of AUC(a) - AUC(b) and
    of the caught@10 difference, with a bootstrap that resamples each project's commits
    (stratified), and its one-sided p."""
    usable = {n: r for n, r in results.items() if least <= r["y"].sum() < len(r["y"]) and r["y"].sum()}
    if not usable:
        return {}
    rng = np.random.default_rng(0)

    def mean_of(indices: dict[str, np.ndarray]) -> tuple[float, float]:
        aucs, caught = [], []
        for name, r in usable.items():
            i = indices[name]
            y = r["y"][i]
            if not 0 < y.sum() < len(y):
                continue
            aucs.append(metrics.auc(r[a][i], y) - metrics.auc(r[b][i], y))
            caught.append(metrics.caught_share(r[a][i], y, 0.1) - metrics.caught_share(r[b][i], y, 0.1))
        return float(np.mean(aucs)), float(np.mean(caught))

    point = mean_of({n: np.arange(len(r["y"])) for n, r in usable.items()})
    draws = np.array(
        [
            mean_of({n: rng.integers(0, len(r["y"]), len(r["y"])) for n, r in usable.items()})
            for _ in range(resamples)
        ]
    )
    means = {
        f"mean {score}": float(np.mean([metrics.auc(r[score], r["y"]) for r in usable.values()]))
        for score in (a, b)
    }
    return {
        "projects": len(usable),
        **means,
        "auc": point[0],
        "auc_low": float(np.percentile(draws[:, 0], 2.5)),
        "auc_high": float(np.percentile(draws[:, 0], 97.5)),
        "p": float(np.mean(draws[:, 0] <= 0)),
        "caught10": point[1],
        "caught10_low": float(np.percentile(draws[:, 1], 2.5)),
        "caught10_high": float(np.percentile(draws[:, 1], 97.5)),
    }


def evaluate(name: str, which: str) -> int:
    from preflight.history.coefficients import DEFAULT_COEFFICIENTS

    names = list(HELD_OUT if which == "held-out" else DEVELOPMENT)
    column = FEATURES.index("prod_lines_added")
    document: dict[str, object] = {
        "name": name,
        "projects": {},
        "coefficients": {
            "intercept": DEFAULT_COEFFICIENTS.intercept,
            "base_rate": DEFAULT_COEFFICIENTS.base_rate,
            "weights": dict(zip(FEATURES, DEFAULT_COEFFICIENTS.weights, strict=True)),
        },
    }
    scored: dict[str, dict[str, np.ndarray]] = {}
    for project_name in names:
        started = time.perf_counter()
        p = load(project_name)
        x, y = p.evaluation()
        train_x, train_y = p.training()
        efforts = x[:, column] + x[:, FEATURES.index("prod_lines_deleted")]
        scores = {
            "model": DEFAULT_COEFFICIENTS.probability(x),
            "production lines added": x[:, column],
            "lines added": x[:, FEATURES.index("lines_added")],
        }
        if 0 < train_y.sum() < len(train_y):
            kamei = fitting.fit_columns(train_x, train_y, fitting.KAMEI, source="Kamei")
            scores["Kamei logistic regression"] = fitting.with_base_rate(kamei, train_x).probability(x)
        scored[project_name] = {**scores, "y": y}
        document["projects"][project_name] = {  # type: ignore[index]
            "commits": len(p.shas),
            "eligible": int(p.eligible.sum()),
            "training": len(train_y),
            "training_positives": int(train_y.sum()),
            "positives_all": int(p.inducing[p.eligible].sum()),
            "feature_seconds": p.feature_seconds,
            "label_seconds": p.label_seconds,
            "scores": {
                s: _measure(v, y, 1000, efforts, probabilities=s not in RAW) for s, v in scores.items()
            },
            "differences": {
                f"model - {b}": _difference(scores["model"], scores[b], y, 1000)
                for b in ("production lines added", "Kamei logistic regression")
                if b in scores
            },
            "seconds": time.perf_counter() - started,
        }
        print(f"{project_name}: done", file=sys.stderr)
    document["pooled"] = {
        f"model - {b}{label}": _pooled({n: r for n, r in scored.items() if b in r}, "model", b, least)
        for b in ("production lines added", "Kamei logistic regression")
        for least, label in ((1, ""), (MIN_POSITIVES, f", projects with {MIN_POSITIVES}+ bug-inducing"))
    }
    out = RESULTS / f"backtest-crossproject-{which}-{name}.json"
    out.write_text(json.dumps(document, indent=1, default=float), encoding="utf-8")
    return 0


def timing(names: Sequence[str]) -> int:
    """Wall and CPU time of `preflight backtest --fit` (the command a user runs: features, SZZ,
    fitting, metrics; nothing cached) on each project's clone, niced like every run here."""
    import os
    import resource
    import subprocess

    from bench.backtest import CACHE

    out = RESULTS / "backtest-crossproject-timing.json"
    found = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    command = [str(Path(sys.executable).parent / "preflight"), "backtest", "--fit", "--format", "json"]
    for name in names:
        load(name)  # the clone exists
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_before = os.getloadavg()
        started = time.perf_counter()
        done = subprocess.run(
            ["nice", "-n", "10", *command, "--repo", str(CACHE / name)], capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = json.loads(done.stdout) if done.returncode == 0 else {}
        found[name] = {
            "exit": done.returncode,
            "wall": wall,
            "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "commits": result.get("commits"),
            "features_per_second": result.get("commits_per_second"),
            "cpus": os.cpu_count(),
        }
        print(f"{name}: {wall:.1f} s wall, exit {done.returncode}", file=sys.stderr)
    out.write_text(json.dumps(found, indent=1), encoding="utf-8")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("select", help="LOPO selection and the fit, on the development set only")
    run = sub.add_parser("evaluate", help="DEFAULT_COEFFICIENTS on a set of projects")
    run.add_argument("--name", required=True, help="before or after")
    run.add_argument("--projects", choices=("development", "held-out"), required=True)
    sub.add_parser("report", help="write bench/results/backtest-crossproject.md")
    timed = sub.add_parser("time", help="time `preflight backtest --fit` on the named projects' clones")
    timed.add_argument("projects", help="comma-separated names")
    args = parser.parse_args()
    if args.command == "select":
        return select()
    if args.command == "evaluate":
        return evaluate(args.name, args.projects)
    if args.command == "time":
        return timing(args.projects.split(","))
    from bench.backtest_report import write

    return write()


if __name__ == "__main__":
    raise SystemExit(main())

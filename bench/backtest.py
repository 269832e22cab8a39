"""Backtest of the change-risk model on the full history of real open-source Python projects.

Usage (from the repository root, after the mirrors exist; see MIRROR):
    python -m bench.backtest [--projects click,requests] [--output bench/results/backtest.md]
(default: the DEVELOPMENT projects; HELD_OUT names resolve too, but the held-out projects are
evaluated by bench/backtest_crossproject.py, once)

Each project is cloned (no checkout) from its local mirror into bench/.cache/history/,
then backtested with SZZ labels: coefficients are fitted on the oldest 60% of
non-merge commits (labels known at that time; the newest fifth of those held out to
recalibrate) and everything is scored on the newest 40%. The plots go to
bench/.cache/history/<project>.svg. The mean probability DEFAULT_COEFFICIENTS give over
all commits of the projects is printed and written.

    python -m bench.backtest --pending [--pending-ranges 20]
also times preflight.history.pending on the last merged pull requests (first parent..second
parent of the last merges) of a large repository (PENDING, cloned like the others), each
twice (the second, warm, counts): first as cloned (no commit-graph), then after
`git commit-graph write --reachable --changed-paths`. With --projects "" only that.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from preflight.history.backtest import CALIBRATION_SHARE, TRAIN_SHARE, BacktestResult, backtest
from preflight.history.coefficients import DEFAULT_COEFFICIENTS
from preflight.history.features import extract

MIRROR = "/work/.mirror/{}/repo"
"""Where the `fetch` tool put each project's repository (github:pallets/click is pallets+click)."""
DEVELOPMENT = {
    name: MIRROR.format(mirror)
    for name, mirror in {
        "click": "pallets+click",
        "flask": "pallets+flask",
        "werkzeug": "pallets+werkzeug",
        "jinja": "pallets+jinja",
        "markupsafe": "pallets+markupsafe",
        "itsdangerous": "pallets+itsdangerous",
        "rich": "Textualize+rich",
        "httpx": "encode+httpx",
        "attrs": "python-attrs+attrs",
        "marshmallow": "marshmallow-code+marshmallow",
        "alembic": "sqlalchemy+alembic",
    }.items()
}
"""The development set: DEFAULT_COEFFICIENTS are fitted on these, and every choice about the model
is made on them (bench/backtest_crossproject.py)."""
HELD_OUT = {
    name: MIRROR.format(mirror)
    for name, mirror in {
        "requests": "psf+requests",
        "structlog": "hynek+structlog",
        "packaging": "pypa+packaging",
        "tomlkit": "python-poetry+tomlkit",
        "pluggy": "pytest-dev+pluggy",
    }.items()
}
"""The held-out set, fixed with the development set before any result was seen: never fitted on,
never used to choose anything, evaluated once at the end (python -m bench.backtest_crossproject
evaluate --projects held-out). Names resolve from DEVELOPMENT and HELD_OUT; the default run is
DEVELOPMENT."""
MIRRORS = DEVELOPMENT
PENDING = ("scipy", "/work/.mirror/scipy+scipy/repo")
"""A large repository (38,000 commits, like Django's 33,000; django/django is over the fetch tool's
500 MB limit) for timing pending-change features."""
CACHE = Path(__file__).parent / ".cache" / "history"
NOTES = """## Reading the numbers

- Literature reference points: "lines added" alone about 0.72-0.75 ROC-AUC; logistic regression on
  the 14 classic change metrics about 0.78 (Kamei et al.); Meta's logistic baseline catches 18.7% of
  SEV-causing diffs at 5% gated and 27.9% at 10%. The "lines added" rows are that baseline on the same
  commits and labels.
- "model" is fitted per project on the oldest 60% (labels known then: only fixes committed in that
  period count): weights on its older 80%, pulled towards the defaults at the strength that ranks its
  newest 20% best, then recalibrated on that 20% (intercept, then slope, each only if a likelihood-ratio
  test says so); "fitted, not recalibrated" is the same ranking before that step (shown for its
  calibration only); "default coefficients" are DEFAULT_COEFFICIENTS of preflight/history/coefficients.py,
  unfitted. All are scored on the same newest 40%; nothing was tuned on it.
- DEFAULT_COEFFICIENTS are fitted on the DEVELOPMENT projects (bench/backtest_crossproject.py,
  bench/results/backtest-crossproject.md), so on these projects the "default coefficients" rows are
  in sample; the held-out projects (HELD_OUT) are evaluated there, once.
- Calibration: "predicted" is the mean probability, "observed" the bug-inducing share (calibration
  in the large); the slope is the weight of logit(p) when the outcomes are regressed on it (1 is
  ideal, below 1 too extreme); ECE is the change-weighted mean |predicted - observed| over deciles.
  Recalibration lowers Brier and ECE on most projects but undershoots the observed rate: the held-out
  slice's labels are the most right-censored (its fixes mostly came after the training period), and
  the evaluation labels are all the fixes known today. The score's multiplier compares p with the
  base rate of the same coefficients, which moves with the level; its 30 x p term does not.
- SZZ labels are noisy and right-censored: recent commits have had less time to be blamed by a fix, so
  the evaluation period has a lower bug-inducing share than the whole history. Fixes are read from the
  message (fixes.is_fix), and "error"/"patch" in a subject also match commits that are not fixes.
- SZZ labels are partly circular for size: a bigger commit owns more lines, so it is more likely to be
  blamed by some later fix. That inflates "lines added" and every size-driven score alike.
"""


def clone(name: str, mirror: str, stand_ins: bool = True) -> Path:
    """A local clone of the mirror (objects only, no work tree needed). stand_ins: empty blobs for
    the objects the mirror lacks (git replace); without, no replace refs, which would make git
    ignore the commit-graph (the pending timings need it)."""
    target = CACHE / name
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--no-checkout", mirror, str(target)], check=True)
        if stand_ins:
            replace_missing(target)
    if not stand_ins:
        refs = subprocess.run(
            ["git", "-C", str(target), "for-each-ref", "--format=%(refname)", "refs/replace/"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for ref in refs:
            subprocess.run(["git", "-C", str(target), "update-ref", "-d", ref], check=True)
    return target


def replace_missing(repo: Path) -> None:
    """Stand an empty blob in for objects the mirror lacks (its largest files, e.g. videos), via git replace."""
    git = ["git", "-C", str(repo)]
    listed = subprocess.run(
        [*git, "rev-list", "--objects", "--all", "--missing=print"], capture_output=True, text=True
    )
    missing = [line[1:] for line in listed.stdout.splitlines() if line.startswith("?")]
    if missing:
        empty = subprocess.run(
            [*git, "hash-object", "-w", "--stdin"], input="", capture_output=True, text=True
        )
        for sha in missing:
            subprocess.run([*git, "replace", "-f", sha, empty.stdout.strip()], check=True)
        print(f"{repo.name}: {len(missing)} missing objects replaced by an empty blob", file=sys.stderr)


def percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def row(name: str, result: BacktestResult) -> list[str]:
    """One table row per score of one project."""
    rows = []
    for score, m in result.metrics:
        if score == "fitted, not recalibrated":
            continue  # the model's ranking
        caught = " / ".join(percent(share) for _, share in m.caught)
        brier = f"{m.brier:.3f}" if m.brier is not None else "-"
        top = " / ".join(percent(r) for _, r in m.recall_at)
        effort = percent(m.effort_recall) if m.effort_recall is not None else "-"
        rows.append(
            f"| {name} | {score} | {m.changes} | {m.positives} ({percent(m.positives / m.changes)}) "
            f"| {m.auc:.3f} [{m.auc_low:.3f}, {m.auc_high:.3f}] | {brier} | {caught} | {m.lift:.2f} | {top} "
            f"| {effort} |"
        )
    return rows


def difference_rows(name: str, result: BacktestResult) -> list[str]:
    """One row per paired bootstrap of a score against a baseline."""
    return [
        f"| {name} | {score} | {baseline} | {d.auc:+.3f} [{d.auc_low:+.3f}, {d.auc_high:+.3f}] | {d.auc_p:.3f} "
        f"| {100 * d.caught:+.1f} [{100 * d.caught_low:+.1f}, {100 * d.caught_high:+.1f}] |"
        for score, baseline, d in result.differences
    ]


def calibration_rows(name: str, result: BacktestResult) -> tuple[list[str], list[str]]:
    """(calibration summary rows, reliability rows by decile) of one project."""
    summary, deciles = [], []
    for score, m in result.metrics:
        if (c := m.calibration) is None:
            continue
        summary.append(
            f"| {name} | {score} | {percent(c.mean_predicted)} | {percent(c.observed)} | {c.slope:.2f} "
            f"| {c.ece:.3f} | {m.brier:.3f} |"
        )
        cells = " | ".join(f"{100 * p:.1f} / {100 * o:.1f}" for _, p, o in c.deciles)
        deciles.append(f"| {name} | {score} | {cells} |")
    return summary, deciles


def time_pending(repo: Path, count: int) -> list[str]:
    """Warm timings of pending.features over the last merged pull requests of repo, as cloned and
    with a commit-graph with changed-path Bloom filters."""
    import statistics

    from preflight.history.pending import features

    merges = subprocess.run(
        ["git", "-C", str(repo), "log", "--first-parent", "--merges", f"-{count}", "--format=%H"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    graph = repo / ".git" / "objects" / "info" / "commit-graph"
    graph.unlink(missing_ok=True)
    rows: dict[str, list[str]] = {merge: [] for merge in merges}
    summary = []
    for condition in ("no commit-graph", "commit-graph with Bloom filters"):
        if condition != "no commit-graph":
            subprocess.run(
                ["git", "-C", str(repo), "commit-graph", "write", "--reachable", "--changed-paths"],
                check=True,
            )
        times = []
        for merge in merges:
            features(repo, f"{merge}^1", f"{merge}^2")
            result = features(repo, f"{merge}^1", f"{merge}^2")
            times.append(result.seconds)
            if not rows[merge]:
                rows[merge] += [f"{result.get('files'):.0f}", f"{result.get('past_changes'):.0f}"]
            rows[merge].append(f"{1000 * result.seconds:.0f} ms")
        summary.append(
            f"- {condition}: median {1000 * statistics.median(times):.0f} ms, "
            f"90th percentile {1000 * sorted(times)[int(0.9 * (len(times) - 1))]:.0f} ms, max {1000 * max(times):.0f} ms"
        )
    history = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True, text=True
    )
    return [
        f"{repo.name}: {history.stdout.strip()} commits; the last {len(merges)} merged pull requests, each scored "
        "twice, the second (warm: files cached by the OS, author counts of the same merge base in the git "
        "directory) timed:",
        "",
        *summary,
        "",
        "| merge | files | past changes of the files | no commit-graph | Bloom filters |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {merge[:10]} | {' | '.join(cells)} |" for merge, cells in rows.items()),
    ]


def default_base_rate(repos: list[Path]) -> tuple[float, float, list[str]]:
    """Mean DEFAULT_COEFFICIENTS probability over the training periods and over every commit of the
    repositories (pooled), with a row per repository."""
    training: list[np.ndarray] = []
    everything: list[np.ndarray] = []
    lines = []
    for repo in repos:
        p = DEFAULT_COEFFICIENTS.probability([c.values for c in extract(repo).commits])
        cut = int(len(p) * TRAIN_SHARE)
        training.append(p[:cut])
        everything.append(p)
        lines.append(
            f"| {repo.name} | {len(p)} | {percent(float(p[:cut].mean()))} | {percent(float(p.mean()))} |"
        )
    return float(np.concatenate(training).mean()), float(np.concatenate(everything).mean()), lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", default=",".join(MIRRORS))
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="default bench/results/backtest.md, or backtest-heldout.md when a HELD_OUT project is run",
    )
    parser.add_argument("--pending", action="store_true", help="also time pending-change features on PENDING")
    parser.add_argument("--pending-ranges", type=int, default=20)
    args = parser.parse_args()
    names = [name for name in args.projects.split(",") if name]
    known = {**MIRRORS, **HELD_OUT}
    if unknown := [name for name in names if name not in known]:
        parser.error(f"unknown project(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if args.output is None:
        held = any(name in HELD_OUT for name in names)
        args.output = Path("bench/results") / ("backtest-heldout.md" if held else "backtest.md")
    summary: list[str] = []
    details: list[str] = []
    calibrations: list[str] = []
    reliability: list[str] = []
    targets: list[str] = []
    differences: list[str] = []
    for name in names:
        repo = clone(name, known[name])
        started = time.perf_counter()
        result = backtest(repo, fit=True, save_coefficients=CACHE / f"{name}.coefficients.json")
        total = time.perf_counter() - started
        (CACHE / f"{name}.svg").write_text(result.svg(), encoding="utf-8")
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        )
        summary.append(
            f"| {name} | {head.stdout.strip()} | {result.commits} | {result.eligible} "
            f"| {percent(result.positives / result.commits)} "
            f"| {result.fixes} | {result.commits_per_second:,.0f} | {result.label_seconds:.1f} s | {total:.1f} s |"
        )
        details += row(name, result)
        differences += difference_rows(name, result)
        cal, rel = calibration_rows(name, result)
        calibrations += cal
        reliability += rel
        for score, m in result.metrics:
            if score == "fitted, not recalibrated":
                continue
            met = m.auc >= 0.80 and m.caught[1][1] >= 0.35
            targets.append(
                f"| {name} | {score} | {m.auc:.3f} | {percent(m.caught[1][1])} | {'yes' if met else 'no'} |"
            )
        print(f"{name}: done in {total:.1f} s", file=sys.stderr)
    pending = time_pending(clone(*PENDING, stand_ins=False), args.pending_ranges) if args.pending else []
    if not names:
        print("\n".join(pending))
        return 0
    rate, overall, rates = default_base_rate([CACHE / name for name in names])
    print(
        f"DEFAULT_COEFFICIENTS mean probability: training periods {rate:.4f}, all {overall:.4f}",
        file=sys.stderr,
    )
    lines = [
        "# `backtest`: the change-risk model on real history",
        "",
        f"Generated by `python -m bench.backtest`. Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}.",
        f"Labels: SZZ (fix commits blamed back). Fit on the oldest {percent(TRAIN_SHARE)} of non-merge commits "
        f"with the labels known then (weights on its older {percent(1 - CALIBRATION_SHARE)}, recalibrated on "
        f"its newest {percent(CALIBRATION_SHARE)}); every score below is measured on the newest "
        f"{percent(1 - TRAIN_SHARE)} with all labels.",
        "",
        "## Projects",
        "",
        "| project | HEAD | non-merge commits | add production lines | bug-inducing (SZZ) | fix commits "
        "| features commits/s | SZZ time | total time |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *summary,
        "",
        "## Ranking on the evaluation period",
        "",
        "Commits that add production lines only (non-test, non-vendored .py).",
        "",
        "| project | score | commits | bug-inducing | ROC-AUC [95% CI] | Brier | caught at 5% / 10% / 20% gated "
        "| lift at 10% | recall top 10 / 25 / 50 | caught within 20% of changed lines |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *details,
        "",
        "## Paired differences (bootstrap over the same commits)",
        "",
        "| project | score | baseline | ROC-AUC difference [95% CI] | p (not better) "
        "| caught at 10% difference, points [95% CI] |",
        "| --- | --- | --- | --- | --- | --- |",
        *differences,
        "",
        "## Calibration on the evaluation period",
        "",
        "| project | score | mean predicted | observed | slope | ECE | Brier |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *calibrations,
        "",
        "Reliability by decile of the prediction (lowest first), predicted % / observed %:",
        "",
        "| project | score | " + " | ".join(f"d{i}" for i in range(1, 11)) + " |",
        "| --- | --- | " + " | ".join("---" for _ in range(10)) + " |",
        *reliability,
        "",
        "## Against the issue's target (ROC-AUC >= 0.80 and >= 35% caught at 10% gated)",
        "",
        "| project | score | ROC-AUC | caught at 10% | target met |",
        "| --- | --- | --- | --- | --- |",
        *targets,
        "",
        "## The default base rate",
        "",
        f"Mean probability of DEFAULT_COEFFICIENTS over the training periods (oldest {percent(TRAIN_SHARE)}) of "
        f"the projects, pooled: {percent(rate)}; over every commit: {percent(overall)} (DEFAULT_BASE_RATE "
        "is measured elsewhere: the mean over the development projects' evaluation periods, commits that "
        "add production lines, see bench/results/backtest-crossproject.md).",
        "",
        "| project | commits | mean default probability, training period | all commits |",
        "| --- | --- | --- | --- |",
        *rates,
        "",
        *(
            ["## Pending-change features (the pre-push hook's history half)", "", *pending, ""]
            if pending
            else []
        ),
        NOTES,
    ]
    args.output.write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`preflight backtest`: replay history, score each commit with only what its parent knew, measure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from preflight.errors import InputError
from preflight.files import write_atomic
from preflight.history import backtest as history
from preflight.history.coefficients import COEFFICIENTS_FILE
from preflight.history.metrics import Calibration


def run(
    repo: Path,
    revisions: str | None,
    incidents: Path | None,
    fit: bool,
    plot: Path | None,
    fmt: str,
    out: TextIO,
    progress: history.Progress | None = None,
    output: Path | None = None,
) -> int:
    """Backtest the repository at `repo` and print (and optionally plot) how well the model ranks;
    with fit, write the coefficients learnt to output, and only there (nothing when it is None)."""
    if not (repo / ".git").exists():
        raise InputError(f"{repo}: not a git repository; run preflight inside a checkout or pass --repo")
    if incidents is not None and not incidents.is_file():
        raise InputError(
            f"--incidents {incidents}: no such file; pass a CSV or JSON of commit/PR -> incident"
        )
    saved = output if fit else None
    if saved is not None and not saved.parent.is_dir():
        raise InputError(f"--output {saved}: no directory {saved.parent}; create it or pass another path")
    result = history.backtest(repo, revisions, incidents, fit=fit, progress=progress, save_coefficients=saved)
    if plot is not None:
        write_atomic(plot, result.svg())
    out.write(
        json.dumps(document(result, saved, plot), indent=2) + "\n"
        if fmt == "json"
        else text(result, saved, plot)
    )
    return 0


def _calibration(found: Calibration | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "mean_predicted": found.mean_predicted,
        "observed": found.observed,
        "slope": found.slope,
        "ece": found.ece,
        "deciles": [{"changes": n, "predicted": p, "observed": o} for n, p, o in found.deciles],
    }


def document(result: history.BacktestResult, saved: Path | None, plot: Path | None) -> dict[str, Any]:
    """The JSON document of a backtest (schema_version 3: only commits that add production lines
    are scored; lift, recall at k, effort-aware recall, the baselines' paired differences)."""
    return {
        "schema_version": 3,
        "repo": result.repo,
        "range": result.range,
        "labels": result.labels,
        "commits": result.commits,
        "positives": result.positives,
        "evaluated": result.evaluated,
        "trained": result.trained,
        "eligible": result.eligible,
        "fitted": result.fitted,
        "coefficients_source": result.coefficients.source,
        "commits_per_second": round(result.commits_per_second, 1),
        "unreadable_paths": list(result.unreadable),
        "failed_blames": result.failed_blames,
        "scores": [
            {
                "name": name,
                "auc": m.auc,
                "auc_interval": [m.auc_low, m.auc_high],
                "brier": m.brier,
                "caught": [{"gated": gated, "caught": caught} for gated, caught in m.caught],
                "calibration": _calibration(m.calibration),
                "lift_at_10": m.lift,
                "recall_at": [{"k": k, "recall": recall} for k, recall in m.recall_at],
                "effort_recall_at_20": m.effort_recall,
            }
            for name, m in result.metrics
        ],
        "differences": [
            {
                "score": score,
                "baseline": baseline,
                "auc": d.auc,
                "auc_interval": [d.auc_low, d.auc_high],
                "auc_p": d.auc_p,
                "caught_at_10": d.caught,
                "caught_at_10_interval": [d.caught_low, d.caught_high],
            }
            for score, baseline, d in result.differences
        ],
        "base_rate": result.coefficients.base_rate,
        "coefficients_file": str(saved) if saved and result.fitted else None,
        "plot": str(plot) if plot else None,
    }


def text(result: history.BacktestResult, saved: Path | None, plot: Path | None) -> str:
    """The terminal report of a backtest."""
    lines = [
        f"{result.commits:,} commits ({result.positives:,} {'incident' if result.labels == 'incidents' else 'bug'}"
        f"-inducing by {result.labels}); features at {result.commits_per_second:,.0f} commits/s",
        f"{result.eligible:,} add production lines (non-test .py): only those are scored",
        f"evaluated on the newest {result.evaluated:,} of them"
        + (f" after fitting on the oldest {result.trained:,}" if result.trained else ""),
    ]
    if result.unreadable:
        shown = ", ".join(result.unreadable[:5]) + (", ..." if len(result.unreadable) > 5 else "")
        lines.append(
            f"{len(result.unreadable):,} path(s) left out: git cannot read some of their blobs ({shown});"
            " a complete clone has them"
        )
    if result.failed_blames:
        lines.append(f"{result.failed_blames:,} SZZ blame(s) git refused: their lines are not labelled")
    for name, m in result.metrics:
        caught = ", ".join(f"{caught:.0%} at {gated:.0%}" for gated, caught in m.caught)
        brier = f", Brier {m.brier:.3f}" if m.brier is not None else ""
        lines.append(
            f"  {name}: ROC-AUC {m.auc:.3f} [{m.auc_low:.3f}, {m.auc_high:.3f}]{brier}; caught {caught} gated"
        )
        top = ", ".join(f"{recall:.0%} in the top {k}" for k, recall in m.recall_at)
        effort = (
            f"; {m.effort_recall:.0%} within 20% of the changed lines" if m.effort_recall is not None else ""
        )
        lines.append(f"    lift at 10% {m.lift:.1f}; {top}{effort}")
        if (c := m.calibration) is not None:
            lines.append(
                f"    calibration: mean predicted {c.mean_predicted:.1%} vs observed {c.observed:.1%},"
                f" slope {c.slope:.2f}, ECE {c.ece:.3f}"
            )
    for score, baseline, d in result.differences:
        lines.append(
            f"  {score} - {baseline}: ROC-AUC {d.auc:+.3f} [{d.auc_low:+.3f}, {d.auc_high:+.3f}] (p {d.auc_p:.3f}),"
            f" caught at 10% {d.caught:+.0%} [{d.caught_low:+.0%}, {d.caught_high:+.0%}]"
        )
    if result.trained and not result.fitted:
        lines.append(f"not fitted, the defaults kept: {result.coefficients.source}")
    if saved is not None and result.fitted:
        lines.append(
            f"coefficients written to {saved} (base rate {result.coefficients.base_rate:.1%}); `preflight"
            f" check` reads them from {COEFFICIENTS_FILE} at the base revision: commit them there"
        )
    elif result.fitted:
        lines.append(f"coefficients not written: pass --output {COEFFICIENTS_FILE} to keep them")
    if plot is not None:
        lines.append(f"plot written to {plot}")
    return "\n".join(lines) + "\n"

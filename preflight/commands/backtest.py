"""`preflight backtest`: replay history, score each commit with only what its parent knew, measure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from preflight.commands.check import write_atomic
from preflight.errors import InputError
from preflight.history import backtest as history

COEFFICIENTS_FILE = ".preflight/coefficients.json"
"""Where --fit writes what it learnt, in the repository (`check` does not read it yet)."""


def run(
    repo: Path,
    revisions: str | None,
    incidents: Path | None,
    fit: bool,
    plot: Path | None,
    fmt: str,
    out: TextIO,
    progress: history.Progress | None = None,
) -> int:
    """Backtest the repository at `repo` and print (and optionally plot) how well the model ranks."""
    if not (repo / ".git").exists():
        raise InputError(f"{repo}: not a git repository; run preflight inside a checkout or pass --repo")
    if incidents is not None and not incidents.is_file():
        raise InputError(
            f"--incidents {incidents}: no such file; pass a CSV or JSON of commit/PR -> incident"
        )
    saved = repo / COEFFICIENTS_FILE if fit else None
    if saved is not None:
        saved.parent.mkdir(parents=True, exist_ok=True)
    result = history.backtest(repo, revisions, incidents, fit=fit, progress=progress, save_coefficients=saved)
    if plot is not None:
        write_atomic(plot, result.svg())
    out.write(
        json.dumps(document(result, saved, plot), indent=2) + "\n"
        if fmt == "json"
        else text(result, saved, plot)
    )
    return 0


def document(result: history.BacktestResult, saved: Path | None, plot: Path | None) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "repo": result.repo,
        "range": result.range,
        "labels": result.labels,
        "commits": result.commits,
        "positives": result.positives,
        "evaluated": result.evaluated,
        "trained": result.trained,
        "commits_per_second": round(result.commits_per_second, 1),
        "scores": [
            {
                "name": name,
                "auc": m.auc,
                "auc_interval": [m.auc_low, m.auc_high],
                "brier": m.brier,
                "caught": [{"gated": gated, "caught": caught} for gated, caught in m.caught],
            }
            for name, m in result.metrics
        ],
        "coefficients_file": str(saved) if saved else None,
        "plot": str(plot) if plot else None,
    }


def text(result: history.BacktestResult, saved: Path | None, plot: Path | None) -> str:
    lines = [
        f"{result.commits:,} commits ({result.positives:,} {'incident' if result.labels == 'incidents' else 'bug'}"
        f"-inducing by {result.labels}); features at {result.commits_per_second:,.0f} commits/s",
        f"evaluated on the newest {result.evaluated:,} commits"
        + (f" after fitting on the oldest {result.trained:,}" if result.trained else ""),
    ]
    for name, m in result.metrics:
        caught = ", ".join(f"{caught:.0%} at {gated:.0%}" for gated, caught in m.caught)
        brier = f", Brier {m.brier:.3f}" if m.brier is not None else ""
        lines.append(
            f"  {name}: ROC-AUC {m.auc:.3f} [{m.auc_low:.3f}, {m.auc_high:.3f}]{brier}; caught {caught} gated"
        )
    if saved is not None:
        lines.append(f"coefficients written to {saved} (the check's score does not use them yet)")
    if plot is not None:
        lines.append(f"plot written to {plot}")
    return "\n".join(lines) + "\n"

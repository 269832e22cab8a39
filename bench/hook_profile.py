"""Where a `preflight hook run` spends its time: imports by package (-X importtime) and stages (cProfile).

Used by bench.hook; each measurement is one fresh process on a warm cache and a new commit.
"""

from __future__ import annotations

import collections
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# Never the checkout's directory on sys.path: the benchmark repository has a `click` package.
SAFE_PATH = "-P" if sys.version_info >= (3, 11) else "-I"
# (file suffix, function) -> what it is, in pipeline order; a stage's time includes its lazy imports.
STAGES = (
    ("preflight/cli.py", "main", "whole command (after interpreter start-up)"),
    ("preflight/changes/revisions.py", "resolve_pre_push", "revision ranges from the pre-push input"),
    ("preflight/config.py", "from_revision", "config at the base revision"),
    ("preflight/exposure/__init__.py", "load", "runtime snapshot read (with pandas, pyarrow)"),
    ("preflight/commands/check.py", "change_impact", "service graph (with networkx, scipy)"),
    ("preflight/changes/__init__.py", "compute", "changes: diff and tree-sitter classification"),
    ("preflight/exposure/snapshot.py", "join", "exposure join"),
    ("preflight/callgraph/cache.py", "index", "code index (warm: changed files re-summarized)"),
    ("preflight/propagation/change.py", "predict", "propagation (Monte Carlo)"),
    ("preflight/history/pending.py", "features", "history features of the change (git log)"),
    ("preflight/risk/__init__.py", "assess", "risk score"),
    ("preflight/commands/check.py", "render", "rendering"),
)
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _command(*flags: str) -> list[str]:
    return [sys.executable, SAFE_PATH, *flags, "-m", "preflight", "hook", "run", "origin", "origin"]


def imports(work: Path, line: str) -> tuple[float, list[tuple[str, float]]]:
    """Total import seconds and seconds per top-level package (preflight by subpackage), largest first."""
    done = subprocess.run(
        _command("-X", "importtime"), input=line, cwd=work, capture_output=True, text=True, env=_env()
    )
    per: collections.Counter[str] = collections.Counter()
    for match in IMPORT_LINE.finditer(done.stderr):
        parts = match.group(4).split(".")
        per[".".join(parts[:2]) if parts[0] == "preflight" else parts[0]] += int(match.group(1))
    return sum(per.values()) / 1e6, [(name, us / 1e6) for name, us in per.most_common()]


def stages(work: Path, line: str) -> list[tuple[str, float]]:
    """Cumulative seconds of each pipeline stage under cProfile (which adds its own overhead)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile"
        subprocess.run(
            _command("-m", "cProfile", "-o", str(out)),
            input=line,
            cwd=work,
            capture_output=True,
            text=True,
            env=_env(),
        )
        stats = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    found = []
    for suffix, function, label in STAGES:
        seconds = sum(
            entry[3] for (path, _, name), entry in stats.items() if path.endswith(suffix) and name == function
        )
        if seconds:
            found.append((label, seconds))
    loading = [entry[3] for (path, _, name), entry in stats.items() if name == "_find_and_load"]
    found.append(("all imports (overlaps the stages above)", max(loading, default=0.0)))
    return found


# What an import costs in a fresh interpreter after what is already loaded on the hook's path there.
IMPORTS = (
    ("numpy (static path: preflight.history.coefficients, via commands.backtest)", "import git, yaml", "import numpy"),
    ("pandas + pyarrow.parquet (numpy loaded)", "import numpy", "import pandas, pyarrow.parquet"),
    ("scipy.special (numpy, pandas loaded; pulls numpy.f2py, numpy.testing)", "import pandas", "import scipy.special"),
    ("networkx (numpy, pandas loaded)", "import pandas", "import networkx"),
    ("jinja2 (no longer on the hook's path: Markdown only)", "import git, yaml", "import jinja2"),
)  # fmt: skip


def import_costs(repeat: int = 7) -> list[tuple[str, float, float]]:
    """(what, best, median) seconds of each import in IMPORTS."""
    found = []
    for name, loaded, measured in IMPORTS:
        code = f"{loaded}\nimport time\nt = time.perf_counter()\n{measured}\nprint(time.perf_counter() - t)"
        times = [
            float(subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True).stdout)
            for _ in range(repeat)
        ]
        found.append((name, min(times), statistics.median(times)))
    return found


def render_imports(costs: list[tuple[str, float, float]]) -> str:
    """The import costs as a Markdown table."""
    out = ["| import | best | median |", "|---|---:|---:|"]
    out += [f"| {name} | {best:.3f} s | {median:.3f} s |" for name, best, median in costs]
    return "\n".join(out) + "\n"


def _env() -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1"}


def render(name: str, total: float, packages: list[tuple[str, float]], timed: list[tuple[str, float]]) -> str:
    """Two Markdown tables for one scenario."""
    out = [f"### {name}", "", "| stage (cProfile, cumulative) | seconds |", "|---|---:|"]
    out += [f"| {label} | {seconds:.3f} |" for label, seconds in timed]
    out += ["", f"Imports (`-X importtime`, self time summed per package): {total:.3f} s in all.", ""]
    out += ["| package | seconds |", "|---|---:|"]
    out += [f"| {package} | {seconds:.3f} |" for package, seconds in packages[:15]]
    return "\n".join(out) + "\n"

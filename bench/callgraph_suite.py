"""Score preflight's call graph, and PyCG 0.0.8's, on the hand-written cases.

Writes ``bench/results/callgraph_suite.md``: edge precision and recall per
category for both tools, then every false positive and missed edge.

PyCG is optional and never installed into the project: it lives in its own
virtual environment (``bench/.cache/`` is git-ignored)::

    ~/.pyenv/versions/3.10.13/bin/python -m venv bench/.cache/pycg-venv
    bench/.cache/pycg-venv/bin/pip install --no-binary :all: pycg==0.0.8
    .venv/bin/python -m bench.callgraph_suite

Each case is copied to a temporary folder (with a leading ``src/`` dropped, the
same module naming rule preflight applies) and PyCG is run there as
``python -m pycg --package . <every .py file> -o out.json``.

Normalizations of PyCG's output (each one names the same thing two ways):

* PyCG makes a node per lambda (``main.<lambda1>``); the contract has no lambda
  nodes and gives a lambda's calls to its enclosing scope.  So edges *from*
  ``X.<lambdaN>`` are re-attributed to ``X`` and edges *to* a lambda are dropped.

Nothing else is rewritten: PyCG already names modules, builtins
(``<builtin>.len``) and externals (``os.path.join``) as the cases do.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.callgraph.harness import (
    Case,
    Score,
    by_category,
    edges_of,
    load_cases,
    run_preflight,
    score,
    table,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "callgraph_suite.md"
PYCG_PYTHON = ROOT / "bench" / ".cache" / "pycg-venv" / "bin" / "python"
PYCG_TIMEOUT = 60.0  # PyCG 0.0.8 never finishes direct_calls/async_functions
_LAMBDA = re.compile(r"\.<lambda\d+>")


def normalize_pycg(graph: dict[str, list[str]]) -> dict[str, list[str]]:
    """PyCG's graph with lambda nodes folded into their enclosing scope (see the module docstring)."""
    out: dict[str, set[str]] = {}
    for caller, callees in graph.items():
        owner = _LAMBDA.split(caller, maxsplit=1)[0]
        targets = out.setdefault(owner, set())
        targets.update(callee for callee in callees if not _LAMBDA.search(callee))
    return {caller: sorted(callees) for caller, callees in out.items()}


def run_pycg(case: Case, python: Path) -> dict[str, list[str]]:
    """PyCG's (normalized) call graph of a case, run in a scratch copy of its files."""
    with tempfile.TemporaryDirectory(prefix="pycg-case-") as scratch:
        work = Path(scratch)
        entries = []
        for relative, source in case.sources.items():
            target = relative.removeprefix("src/")
            (work / target).parent.mkdir(parents=True, exist_ok=True)
            (work / target).write_text(source, encoding="utf-8")
            entries.append(target)
        out = work / "pycg-out.json"
        subprocess.run(
            [str(python), "-m", "pycg", "--package", ".", *sorted(entries), "-o", str(out)],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
            timeout=PYCG_TIMEOUT,
        )
        graph: dict[str, list[str]] = json.loads(out.read_text(encoding="utf-8"))
    return normalize_pycg(graph)


def pycg_version(python: Path) -> str | None:
    """The installed PyCG version, or None when the PyCG environment is absent or broken."""
    if not python.exists():
        return None
    probe = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('pycg'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def differences(title: str, scores: dict[Case, Score]) -> list[str]:
    """Markdown lines listing each case's false positives and missed edges."""
    lines = [f"### {title}", ""]
    clean = True
    for case in sorted(scores, key=lambda c: c.label):
        s = scores[case]
        if not s.false_positives and not s.false_negatives:
            continue
        clean = False
        lines.append(f"- `{case.label}`")
        lines += [f"  - false positive: `{edge.split(': ', 1)[1]}`" for edge in s.false_positives]
        lines += [f"  - missed: `{edge.split(': ', 1)[1]}`" for edge in s.false_negatives]
    if clean:
        lines.append("None: every case matches its expected graph exactly.")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    """Run both tools on every case and write the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pycg-python", type=Path, default=PYCG_PYTHON, help="python of the PyCG venv")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    cases = load_cases()
    counts: Counter[str] = Counter(case.category for case in cases)
    counts["overall"] = len(cases)

    started = time.perf_counter()
    preflight_scores = {
        case: score(edges_of(run_preflight(case)), case.expected_edges, case.label) for case in cases
    }
    preflight_seconds = time.perf_counter() - started
    columns = {"preflight": by_category(preflight_scores)}
    sections = differences("preflight", preflight_scores)

    version = pycg_version(args.pycg_python)
    pycg_note = "PyCG was not run: no PyCG environment (see the top of bench/callgraph_suite.py)."
    if version is not None:
        started = time.perf_counter()
        pycg_scores: dict[Case, Score] = {}
        failures: list[str] = []
        for case in cases:
            try:
                graph = run_pycg(case, args.pycg_python)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
                failures.append(f"{case.label}: {type(error).__name__}")
                graph = {}  # a crash finds nothing: precision 1.0, recall 0 for that case
            pycg_scores[case] = score(edges_of(graph), case.expected_edges, case.label)
        pycg_seconds = time.perf_counter() - started
        columns["PyCG"] = by_category(pycg_scores)
        sections += differences(f"PyCG {version}", pycg_scores)
        pycg_note = f"PyCG {version} took {pycg_seconds:.1f} s (one process per case)."
        if failures:
            pycg_note += " PyCG failed on: " + ", ".join(failures) + " (scored as finding nothing)."

    report = [
        "# Call graph: hand-written suite",
        "",
        "Generated by `python -m bench.callgraph_suite` from the cases in `tests/callgraph/cases/`",
        "(each a few `.py` files and a hand-written `expected.json`). Edges are `(caller, callee)` pairs;",
        "precision = matched / found, recall = matched / expected, pooled over the cases of a row.",
        "",
        table(columns, counts),
        "",
        f"preflight took {preflight_seconds:.2f} s for all {len(cases)} cases (in process). {pycg_note}",
        "",
        "PyCG output normalization: lambda nodes (`X.<lambdaN>`) are folded into their enclosing scope `X`",
        "(the contract has no lambda nodes). Nothing else is rewritten.",
        "",
        "## Differences from the expected graphs",
        "",
        *sections,
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(report).rstrip() + "\n", encoding="utf-8")
    print("\n".join(report[: 9 + len(counts) + 2]))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

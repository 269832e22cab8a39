"""How far the pre-push hook's approximate code index drifts from an exact one, on real history.

Usage (from the repository root, after bench.backtest or bench.callgraph_recall fetched the clones):
    python -m bench.callgraph_approximate [--repos pytest,rich] [--commits 40] [--output FILE]

A repository is a clone in bench/.cache/history/NAME (or a path). Its last --commits first-parent
commits are indexed oldest first, as successive pushes would be:
- the hook's chain: an exact index of the first commit, then each commit with approximate=True in
  the same cache directory (callgraph/incremental.py: it resumes through widened slots where an
  exact index solves from scratch; the pack is rewritten as cache.REWRITE_SHARE says);
- the exact answer: each commit indexed exactly in a second cache directory (an exact resume is the
  cold graph: tests/callgraph/test_incremental.py).
Per commit it records how the hook's index was solved and in how many seconds (and the exact
index's seconds, from the previous commit's exact state), the edges that
differ (missing from it, extra in it), and the functions of the commit's changed files whose
direct callers differ: what the hook uses (callers, entry points, inferred traffic). Commits that
change no Python file are skipped.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from preflight.callgraph import CallGraph, cache
from preflight.repository import Repository

HISTORY = Path("bench/.cache/history")


def _callers(graph: CallGraph) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for caller, callees in graph.edges.items():
        for callee in callees:
            found.setdefault(callee, set()).add(caller)
    return found


def _edges(graph: CallGraph) -> set[tuple[str, str]]:
    return {(caller, callee) for caller, callees in graph.edges.items() for callee in callees}


def last_commits(clone: Path, count: int) -> list[str]:
    """The last count first-parent commits of the clone's HEAD, oldest first."""
    return subprocess.run(
        ["git", "-C", str(clone), "rev-list", "--first-parent", f"--max-count={count}", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[::-1]


def measure(clone: Path, commits: int) -> dict[str, object]:
    shas = last_commits(clone, commits)
    rows = []
    with tempfile.TemporaryDirectory() as scratch, Repository(clone) as repo:
        hook, exact = Path(scratch) / "hook", Path(scratch) / "exact"
        cache.index(repo, shas[0], hook)
        cache.index(repo, shas[0], exact)
        for parent, sha in itertools.pairwise(shas):
            names = subprocess.run(
                ["git", "-C", str(clone), "diff", "--name-only", parent, sha, "--", "*.py"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            start = time.perf_counter()
            fast = cache.index(repo, sha, hook, approximate=True)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            right = cache.index(repo, sha, exact)
            exact_seconds = time.perf_counter() - start
            if not names:
                continue
            got, want = _edges(fast.graph), _edges(right.graph)
            changed = {q for q, (path, _, _) in right.graph.functions.items() if path in names}
            fast_callers, right_callers = _callers(fast.graph), _callers(right.graph)
            differ = sorted(q for q in changed if fast_callers.get(q, set()) != right_callers.get(q, set()))
            rows.append(
                {
                    "sha": sha[:10],
                    "solve": fast.stats.solve.split(":")[0],
                    "seconds": round(seconds, 3),
                    "exact": right.stats.solve.split(":")[0],
                    "exact_seconds": round(exact_seconds, 3),
                    "edges": len(want),
                    "missing": len(want - got),
                    "extra": len(got - want),
                    "changed_functions": len(changed),
                    "callers_differ": len(differ),
                    "example": differ[:3],
                }
            )
    return {"commits": len(rows), "rows": rows}


def summary(name: str, found: dict[str, object]) -> str:
    rows = found["rows"]
    assert isinstance(rows, list)
    kinds = Counter(row["solve"] for row in rows)
    approx = [row for row in rows if row["solve"] == "approximate"]
    differ = [row for row in rows if row["missing"] or row["extra"]]
    return (
        f"| {name} | {len(rows)} | "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        + f" | {len(differ)} | {sum(r['missing'] for r in rows)} / {sum(r['extra'] for r in rows)} | "
        f"{sum(r['callers_differ'] for r in rows)} of {sum(r['changed_functions'] for r in rows)} | "
        f"{statistics.median(r['seconds'] for r in rows):.2f} | "
        f"{statistics.median(r['seconds'] for r in approx) if approx else float('nan'):.2f} | "
        f"{statistics.median(r['exact_seconds'] for r in approx) if approx else float('nan'):.2f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", default="pytest,rich")
    parser.add_argument("--commits", type=int, default=40)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    lines = [
        "| repository | commits | how the hook's index was solved | commits whose graph differs "
        "| edges missing / extra (summed) | changed functions whose callers differ | median s | "
        "median s, approximate | the same commits, exact (median s) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    details = {}
    for name in args.repos.split(","):
        clone = Path(name) if "/" in name else HISTORY / name
        found = measure(clone, args.commits)
        details[name] = found
        lines.append(summary(clone.name, found))
        print(lines[-1], flush=True)
    print("\n".join(lines))
    if args.output:
        args.output.write_text("\n".join(lines) + "\n\n" + json.dumps(details, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Interleaved A/B of the code index's cold build: two preflight source trees on one repository.

Usage (from the repository root, after `python -m bench.callgraph` built bench/.cache/callgraph/subset):
    python -m bench.callgraph_ab BEFORE_TREE AFTER_TREE [--runs N] [--repo DIR] [--revision REV]

Each tree is a directory holding a `preflight` package (e.g. `git worktree add /tmp/before <commit>`).
Runs alternate (before, after, before, ...), each a fresh interpreter indexing the revision into an
empty cache directory with the default workers, as a first `preflight check` would. Reported per
tree: CPU (user + system of the process and its workers), wall, the main process's peak RSS, and
the edges found (the two trees must agree on the repository's graph only if their rules do).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import json, sys, tempfile
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from preflight.repository import Repository
from preflight.callgraph import cache
if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d, Repository(sys.argv[2]) as repo:
        result = cache.index(repo, sys.argv[3], Path(d), None)
    status = Path("/proc/self/status").read_text().splitlines()
    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    edges = sum(len(v) for v in result.graph.edges.values())
    print(json.dumps({"rss_mib": hwm / 1024, "edges": edges}))
"""


def one(tree: Path, repo: Path, revision: str) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), str(repo), revision],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu": cpu, "wall": wall, **json.loads(done.stdout.splitlines()[-1])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--repo", type=Path, default=Path("bench/.cache/callgraph/subset"))
    parser.add_argument("--revision", default="base")
    args = parser.parse_args(argv)
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    loads = []
    for run in range(args.runs):
        for name, tree in trees.items():
            results[name].append(one(tree, args.repo.resolve(), args.revision))
        loads.append(os.getloadavg()[0])
        print(
            run,
            {name: {k: round(v, 2) for k, v in rows[-1].items()} for name, rows in results.items()},
            flush=True,
        )
    print(f"load average during the runs: {min(loads):.1f}-{max(loads):.1f}")
    print("| tree | CPU s (min / median) | wall s (min / median) | peak RSS MiB (median) | edges |")
    print("|---|---:|---:|---:|---:|")
    for name, rows in results.items():
        cpu, wall, rss = ([r[k] for r in rows] for k in ("cpu", "wall", "rss_mib"))
        print(
            f"| {name} | {min(cpu):.2f} / {statistics.median(cpu):.2f} | {min(wall):.2f} / "
            f"{statistics.median(wall):.2f} | {statistics.median(rss):.0f} | {rows[-1]['edges']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

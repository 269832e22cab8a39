"""An exact incremental code index against a scratch solve, over real history.

Usage (from the repository root, after bench.backtest_data or bench.callgraph_recall fetched the clones):
    python -m bench.callgraph_resume_check [--commits 30] [--repos click,flask,...]

For each repository (a clone in bench/.cache/history/NAME), its last --commits first-parent
commits are indexed oldest first into one cache directory, as successive `preflight check` runs
would (the pack rewritten as cache.REWRITE_SHARE says); with --hold, as the resident process
does (each resume from the last one's state in memory, its graph made from the last graph). Every index that was resumed
("incremental") is compared with a scratch solve of the same files' summaries; a difference is a
bug (tests/callgraph/test_incremental.py checks the same on hand-written edits). Prints, per
repository, how the indexes were solved and the commits whose graphs differ.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.callgraph_approximate import HISTORY, last_commits
from preflight.callgraph import cache, fixpoint, incremental
from preflight.repository import Repository

REPOS = "click,flask,werkzeug,rich,pytest,attrs,requests,httpx,jinja,marshmallow,structlog,alembic"


def check(clone: Path, commits: int) -> str:
    shas = last_commits(clone, commits)
    kinds: Counter[str] = Counter()
    differ, seconds = [], []
    with tempfile.TemporaryDirectory() as directory, Repository(clone) as repo:
        for sha in shas:
            start = time.perf_counter()
            found = cache.index(repo, sha, Path(directory))
            seconds.append(time.perf_counter() - start)
            kinds[found.stats.solve.split(":")[0]] += 1
            if found.stats.solve == "incremental":
                files = [(path, blob, cache._reader(repo, blob)) for path, blob in repo.python_files(sha)]
                raws = cache._gather(files, Path(directory), None, (), None)[0]
                cold = incremental.scratch(raws)
                if fixpoint.graph(cold.program, cold.state) != found.graph:
                    differ.append(sha[:10])
    how = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    return f"| {clone.name} | {len(shas)} | {how} | {', '.join(differ) or 'none'} | {statistics.median(seconds):.3f} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=30)
    parser.add_argument("--repos", default=REPOS)
    parser.add_argument("--hold", action="store_true")
    args = parser.parse_args(argv)
    cache.HOLD = args.hold
    print(
        "| repository | commits | how each index was solved | incremental graphs unlike scratch | median s |"
    )
    print("|---|---:|---|---|---:|")
    failed = False
    for name in args.repos.split(","):
        line = check(HISTORY / name, args.commits)
        failed |= "| none |" not in line
        print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

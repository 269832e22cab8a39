"""Time and memory of `preflight check` on the synthetic monorepo (bench/monorepo.py), by size.

Usage (from the repository root):
    python -m bench.monorepo_measure [--sizes 125000,250000,500000,1000000] [--work DIR]
        [--cold 2] [--warm 3] [--output bench/results/monorepo.md]

Each size is generated once under --work (default /tmp/preflight-monorepo/<lines>). Every
measurement is `preflight check --base main --head pr --snapshot ...` as a fresh process:
cold with the code index cache (`.git/preflight`) removed, warm with the cache the previous
run left. Peak memory is the largest sum of the resident sets of the process and all its
descendants (the parallel summarizing workers), sampled every 50 ms from /proc, and the
largest single process (ru_maxrss from wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def _tree_rss(root: int) -> int:
    """Resident bytes of root and its descendants now."""
    children = _children()
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(pid, ()))
    return total


def run_check(repo: Path, snapshot: Path, output: Path, head: str = "pr") -> dict[str, Any]:
    """One `preflight check` process: wall seconds, CPU seconds, peak tree RSS, largest process RSS."""
    command = [sys.executable, "-m", "preflight", "check", "--repo", str(repo), "--base", "main"]
    command += ["--head", head, "--snapshot", str(snapshot), "--format", "json", "--output", str(output)]
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1):
        raise RuntimeError(f"check exited {process.returncode}: {stderr[-2000:]}")
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "tree_mib": peak / 2**20,
        "process_mib": usage.ru_maxrss / 1024,
        "load": load,
    }


def generate(work: Path, lines: int, seed: int) -> Path:
    """The monorepo of this size under work (generated once; a marker records size and seed)."""
    directory = work / str(lines)
    marker = directory / "generated.json"
    wanted = {"lines": lines, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench.monorepo", str(directory), "--lines", str(lines), "--seed", str(seed)],
        check=True,
    )
    print(f"generated {lines:,} lines in {time.perf_counter() - started:.0f} s", flush=True)
    marker.write_text(json.dumps(wanted))
    return directory


def describe(directory: Path) -> dict[str, Any]:
    """Files, lines and functions of main, and what the check found (from the last report)."""
    repo = directory / "repo"
    names = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    files = [n for n in names if n.endswith(".py")]
    lines = sum((repo / n).read_bytes().count(b"\n") for n in files)
    report = json.loads((directory / "check.json").read_text())
    return {
        "files": len(files),
        "lines": lines,
        "changed_files": len(report["files"]),
        "changed_functions": len(report["functions"]),
        "score": report["risk"]["score"],
    }


def measure(directory: Path, cold: int, warm: int, next_run: bool = True) -> dict[str, Any]:
    """Cold runs (cache removed before each), warm runs, then one run on `pr-next` (a new commit)."""
    repo, snapshot, output = directory / "repo", directory / "snapshot", directory / "check.json"
    runs: dict[str, list[dict[str, Any]]] = {"cold": [], "warm": [], "new commit": []}
    for _ in range(cold):
        shutil.rmtree(repo / ".git" / "preflight", ignore_errors=True)
        runs["cold"].append(run_check(repo, snapshot, output))
        print(f"  cold {runs['cold'][-1]}", flush=True)
    for _ in range(warm):
        runs["warm"].append(run_check(repo, snapshot, output))
        print(f"  warm {runs['warm'][-1]}", flush=True)
    described = describe(directory)
    if next_run:
        found = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--verify", "-q", "pr-next"], capture_output=True
        )
        if found.returncode != 0:
            from bench.monorepo import next_commit

            next_commit(repo)
        runs["new commit"].append(run_check(repo, snapshot, directory / "next.json", head="pr-next"))
        print(f"  new commit {runs['new commit'][-1]}", flush=True)
    return {**described, "runs": runs}


def _spread(values: list[float], digits: int = 1) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / {max(values):.{digits}f}"


def render(results: list[dict[str, Any]], command: str) -> str:
    """The Markdown results table."""
    lines = [
        "| lines | files | functions changed (50 files) | run | wall s (best / median / max) | CPU s | "
        "peak RSS, process tree MiB | largest process MiB | load (1 min) |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for kind in ("cold", "warm", "new commit"):
            runs = result["runs"][kind]
            if not runs:
                continue
            lines.append(
                f"| {result['lines']:,} | {result['files']:,} | {result['changed_functions']} | {kind} "
                f"| {_spread([r['seconds'] for r in runs], 2)} | {_spread([r['cpu'] for r in runs])} "
                f"| {max(r['tree_mib'] for r in runs):,.0f} | {max(r['process_mib'] for r in runs):,.0f} "
                f"| {_spread([r['load'] for r in runs])} |"
            )
    machine = f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs"
    return "\n".join([f"Command: `{command}`", "", f"Machine: {machine}.", "", *lines, ""])


def main(argv: list[str] | None = None) -> int:
    """Generate each size, measure it, print and optionally write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="125000,250000,500000,1000000")
    parser.add_argument("--work", type=Path, default=Path("/tmp/preflight-monorepo"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cold", type=int, default=2)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--no-next", action="store_true", help="skip the run on a new commit (pr-next)")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument("--output", type=Path, help="write the Markdown table here")
    args = parser.parse_args(argv)
    results = []
    for lines in (int(size) for size in args.sizes.split(",")):
        directory = generate(args.work, lines, args.seed)
        print(f"{lines:,} lines: {directory}", flush=True)
        results.append(measure(directory, args.cold, args.warm, not args.no_next))
    command = "python -m bench.monorepo_measure " + " ".join(argv if argv is not None else sys.argv[1:])
    table = render(results, command.strip())
    print(table)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))
    if args.output is not None:
        args.output.write_text(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

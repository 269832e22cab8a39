"""Time the pre-push hook on a typical push to a 100,000-line repository, cold and warm.

Usage (from the repository root):
    python -m bench.hook [--cache DIR] [--repeat N] [--output FILE]

The repository is the call-graph benchmark's ~99,000-line subset (click, flask, requests,
httpx, rich, pygments from pinned sdists; built once by bench.callgraph), cloned twice:
once without runtime data and once with a runtime snapshot (`preflight collect` over
generated tables: 40% of the functions with traffic, six services with calls between
them, endpoints and SLOs) named by `.preflight.yml`. Each clone pushes to a local bare
remote. A typical push modifies three functions in three files and adds one; every
measured run is a new commit, timed as `preflight hook run` in a fresh process with
git's pre-push line on stdin, and as a whole `git push --dry-run` through the
installed hook. Cold: no preflight cache in the clone. Warm: the cache holds the
previous push.
"""

from __future__ import annotations

import argparse
import ast
import csv
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import callgraph, hook_profile
from bench.repos import git

PREFLIGHT = Path(sys.executable).parent / "preflight"
# (file, function to modify) of the typical push, and the file that gains a function.
EDITS = (
    ("flask/app.py", "Flask.get_send_file_max_age"),
    ("httpx/_client.py", "Client.send"),
    ("rich/console.py", "Console.print"),
)
ADDED_IN = "httpx/_client.py"
SERVICES = ("flask", "requests", "httpx", "rich", "click", "pygments")
# caller -> callees with calls per caller request: flask is the front door.
CALLS = {
    "flask": {"requests": 1.5, "httpx": 0.8, "rich": 0.2},
    "requests": {"click": 0.1},
    "httpx": {"pygments": 0.3},
}
CONFIG = "runtime:\n  snapshot: .preflight/snapshot\n"


def prepare(cache: Path, name: str, runtime: bool) -> Path:
    """A clone of the subset at `base` with a bare origin holding main (and the config, with runtime)."""
    source = callgraph.build(cache, "subset", callgraph.SUBSET_EXCLUDED)
    root = cache / "hook" / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    work = root / "work"
    git(root, "clone", "--quiet", str(source), str(work))
    git(work, "checkout", "--quiet", "-B", "main", "base")
    git(root, "init", "--quiet", "--bare", "--initial-branch=main", "origin.git")
    git(work, "remote", "set-url", "origin", str(root / "origin.git"))
    if runtime:
        write_tables(work, root / "tables")
        snapshot = work / ".preflight" / "snapshot"
        subprocess.run(
            [str(PREFLIGHT), "collect", str(root / "tables"), "--output", str(snapshot), "--repo", str(work)],
            check=True,
            capture_output=True,
        )
        with (work / ".git" / "info" / "exclude").open("a", encoding="utf-8") as handle:
            handle.write(".preflight/\n")  # the snapshot is refreshed by a job, not committed
        (work / ".preflight.yml").write_text(CONFIG, encoding="utf-8")
        git(work, "add", ".preflight.yml")
        git(work, "commit", "--quiet", "--no-verify", "-m", "preflight config")
    git(work, "push", "--quiet", "--no-verify", "origin", "main")
    git(work, "fetch", "--quiet", "origin")
    git(work, "branch", "--quiet", "--set-upstream-to=origin/main")
    return work


def functions(work: Path) -> list[tuple[str, str, int]]:
    """(qualname, path, line) of every function in the checkout, by Python's ast."""
    found = []
    for path in sorted(work.rglob("*.py")):
        relative = path.relative_to(work).as_posix()
        if relative.startswith(".git/"):
            continue
        module = relative[:-3].replace("/", ".").removesuffix(".__init__")
        tree = ast.parse(path.read_bytes())
        stack: list[tuple[ast.AST, str]] = [(tree, module)]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}.{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        found.append((name, relative, child.lineno))
                    stack.append((child, name))
    return found


def write_tables(work: Path, out: Path) -> None:
    """Snapshot tables as CSV: functions, edges, endpoints, function endpoints and SLOs (seeded)."""
    rng = random.Random(7)
    out.mkdir(parents=True, exist_ok=True)
    edited = {f"{path[:-3].replace('/', '.')}.{name}" for path, name in EDITS}
    names = [name for name, _, _ in functions(work) if name in edited or rng.random() < 0.4]
    routes = {s: [f"GET /{s}/{n}" for n in range(5 if s == "flask" else 2)] for s in SERVICES}
    rows: list[list[object]] = []
    for name in names:
        rate, p50 = rng.lognormvariate(3, 2), rng.lognormvariate(0, 1)
        rows.append([name.split(".")[0], name, round(rate * 60), rate, p50, p50 * 8, rng.random() / 100])
    _write(out / "functions.csv", "service qualname calls calls_per_min p50_ms p99_ms error_rate", rows)
    rows = [[n.split(".")[0], n, rng.choice(routes[n.split(".")[0]]), rng.randint(1, 10_000)] for n in names]
    _write(out / "function_endpoints.csv", "service qualname route calls", rows)
    rows = []
    for service, paths in routes.items():
        for route in paths:
            rate = rng.lognormvariate(5, 1)
            rows.append([service, route, round(rate * 60), rate, 20, 180, 0.001])
    _write(out / "endpoints.csv", "service route requests requests_per_min p50_ms p99_ms error_rate", rows)
    rows = [
        [caller, callee, per_request * 600, per_request, 8, 90, 0.002]
        for caller, callees in CALLS.items()
        for callee, per_request in callees.items()
    ]
    header = "caller_service callee_service calls_per_min calls_per_caller_request p50_ms p99_ms error_rate"
    _write(out / "edges.csv", header, rows)
    rows = [[f"{s}-availability", s, "availability", "", 0.999, "28d", 0.6] for s in SERVICES]
    rows.append(["flask-latency", "flask", "latency", 300, 0.99, "28d", 0.08])
    _write(out / "slos.csv", "name service indicator threshold_ms objective window budget_remaining", rows)


def _write(path: Path, header: str, rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header.split())
        writer.writerows(rows)


def typical_change(work: Path, number: int) -> str:
    """Commit the base files with three function bodies changed and one function added; the new sha."""
    for path, qualname in EDITS:
        text = git(work, "show", f"origin/main:{path}")
        text = _edit_body(text, qualname, f"_preflight_bench = {number}")
        if path == ADDED_IN:
            text += f"\n\ndef _bench_helper(value):\n    return value + {number}\n"
        (work / path).write_text(text, encoding="utf-8")
    git(work, "commit", "--quiet", "--no-verify", "-am", f"typical change {number}")
    return git(work, "rev-parse", "HEAD").strip()


def _edit_body(text: str, qualname: str, statement: str) -> str:
    """Insert a statement as the first line of a function's body (after its docstring)."""
    tree = ast.parse(text)
    node: ast.AST = tree
    for part in qualname.split("."):
        node = next(n for n in ast.iter_child_nodes(node) if getattr(n, "name", None) == part)
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    first = node.body[0]
    anchor = node.body[1] if isinstance(first, ast.Expr) and len(node.body) > 1 else first
    lines = text.splitlines(keepends=True)
    indent = " " * anchor.col_offset
    lines.insert(anchor.lineno - 1, f"{indent}{statement}\n")
    return "".join(lines)


def _line(work: Path, head: str) -> str:
    """git's pre-push input for pushing head to main."""
    return f"refs/heads/main {head} refs/heads/main {git(work, 'rev-parse', 'origin/main').strip()}\n"


def hook_run(work: Path, head: str) -> tuple[float, int, str]:
    """Seconds, exit code and output of `preflight hook run` in a fresh process, as git runs it."""
    line = _line(work, head)
    start = time.perf_counter()
    used = _cpu()
    done = subprocess.run(
        [str(PREFLIGHT), "hook", "run", "origin", str(work.parent / "origin.git")],
        input=line, cwd=work, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    CPU.append(_cpu() - used)
    return time.perf_counter() - start, done.returncode, done.stdout + done.stderr


CPU: list[float] = []
"""CPU seconds (user + system) of every hook run, in order: less disturbed by a busy machine."""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def git_push(work: Path) -> float:
    """Seconds of `git push --dry-run` through the installed hook (git, sh, chained hooks, preflight)."""
    start = time.perf_counter()
    subprocess.run(["git", "push", "--dry-run", "--quiet", "origin", "main"], cwd=work, capture_output=True)
    return time.perf_counter() - start


@dataclass
class Scenario:
    """Timings of one repository set-up (seconds per run) and where the time of one warm run goes."""

    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    warm_cpu: list[float] = field(default_factory=list)
    same: list[float] = field(default_factory=list)
    push: list[float] = field(default_factory=list)
    output: str = ""
    imports: float = 0.0
    packages: list[tuple[str, float]] = field(default_factory=list)
    stages: list[tuple[str, float]] = field(default_factory=list)


def measure(work: Path, repeat: int) -> Scenario:
    """Cold, warm after a new commit, warm on the same commit, through `git push`, then profiled."""
    cache = work / ".git" / "preflight"
    found = Scenario()
    number = 0
    for _ in range(max(2, repeat // 2)):
        shutil.rmtree(cache, ignore_errors=True)
        number += 1
        seconds, code, found.output = hook_run(work, typical_change(work, number))
        if code not in (0, 1):
            raise SystemExit(f"hook run failed (exit {code}):\n{found.output}")
        found.cold.append(seconds)
    for _ in range(repeat):
        number += 1
        seconds, _, found.output = hook_run(work, typical_change(work, number))
        found.warm.append(seconds)
        found.warm_cpu.append(CPU[-1])
        found.same.append(hook_run(work, git(work, "rev-parse", "HEAD").strip())[0])
    subprocess.run([str(PREFLIGHT), "hook", "install", "--repo", str(work)], check=True, capture_output=True)
    for _ in range(repeat):  # each push's hook run leaves the cache warm for the next one
        number += 1
        typical_change(work, number)
        found.push.append(git_push(work))
    found.imports, found.packages = hook_profile.imports(work, _line(work, typical_change(work, number + 1)))
    found.stages = hook_profile.stages(work, _line(work, typical_change(work, number + 2)))
    return found


def calibrate() -> float:
    """Best of 5 of a fixed pure-Python loop: how fast this machine was while the benchmark ran."""
    times = []
    for _ in range(5):
        start = time.perf_counter()
        sum(range(10_000_000))
        times.append(time.perf_counter() - start)
    return min(times)


def spread(seconds: list[float]) -> str:
    """best / median / max."""
    return f"{min(seconds):.2f} / {statistics.median(seconds):.2f} / {max(seconds):.2f} s"


def render(results: dict[str, Scenario], lines: int, files: int, repeat: int, speed: list[float]) -> str:
    """The Markdown results: timings, then where the time goes, then what the hook printed."""
    out = [
        "# Pre-push hook: a typical push on a 100,000-line repository",
        "",
        f"`python -m bench.hook --repeat {repeat}`; {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores. Repository: {lines:,} lines in "
        f"{files:,} Python files. Push: 3 functions modified in 3 files, 1 added. Times are whole "
        "processes: best / median / max; CPU time is user + system of the process, which a busy "
        "machine disturbs less than wall time. Machine speed probe (`sum(range(10**7))`, best of 5) "
        f"before / after: {speed[0]:.3f} / {speed[1]:.3f} s.",
        "",
        "| runtime data | cold (no cache) | warm, new commit | its CPU time | warm, same commit "
        "| `git push --dry-run` (warm) |",
        "|---|---|---|---|---|---|",
    ]
    for name, found in results.items():
        cells = [spread(found.cold), spread(found.warm), spread(found.warm_cpu), spread(found.same)]
        cells.append(spread(found.push))
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += ["", "## Where a warm run's time goes (one new commit each)", ""]
    for name, found in results.items():
        out.append(hook_profile.render(name, found.imports, found.packages, found.stages))
    out += [
        "## Heavy imports on the hook's path",
        "",
        "Each measured in a fresh interpreter after what is loaded before it on the hook's path "
        "(`-I`, 7 runs):",
        "",
        hook_profile.render_imports(hook_profile.import_costs()),
    ]
    for name, found in results.items():
        out += ["", f"Output of the last warm run, {name}:", "", "```text", found.output.rstrip(), "```"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("bench/.cache"))
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per scenario")
    parser.add_argument("--output", type=Path, default=Path("bench/results/hook.md"))
    args = parser.parse_args(argv)
    results = {}
    speed = [calibrate()]
    for name, runtime in (("none (static only)", False), ("snapshot", True)):
        work = prepare(args.cache.resolve(), "runtime" if runtime else "static", runtime)
        results[name] = measure(work, args.repeat)
        found = results[name]
        timings = (found.cold, found.warm, found.warm_cpu, found.same, found.push)
        print(name, *(spread(s) for s in timings), flush=True)
    speed.append(calibrate())
    files, lines = callgraph.python_lines(work)
    args.output.write_text(render(results, lines, files, args.repeat, speed), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

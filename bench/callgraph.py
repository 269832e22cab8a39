"""Speed and memory of preflight's code index on a 300,000-line repository, and PyCG beside it.

Usage (from the repository root):
    python -m bench.callgraph [--cache DIR] [--timeout S] [--no-pycg] [--repeat N] [--output FILE]

The repository is assembled from pinned sdists (one top-level package per project,
so module names are the import names), committed, then changed in 10 files. Every
measurement runs in a fresh child process so that peak RSS belongs to it alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import child as child_process
from bench.repos import _unpack, download_sdist, git

# (project, version, importable package inside the sdist), largest last.
PACKAGES = (
    ("click", "8.1.8", "src/click"),
    ("flask", "3.0.3", "src/flask"),
    ("requests", "2.32.3", "src/requests"),
    ("httpx", "0.28.0", "httpx"),
    ("rich", "13.9.4", "rich"),
    ("pygments", "2.18.0", "pygments"),
    ("django", "5.1.4", "django"),
)
# Left out of the ~100,000-line subset (globs): Django, pygments' generated tables and half its lexers.
SUBSET_EXCLUDED = ("django", "pygments/lexers/_*.py", "pygments/lexers/[a-m]*.py")
CHANGED_FILES = 10
MEMORY_CAP = 6 * 2**30
"""Address-space cap per measured process (and each of its workers, which inherit it)."""
MEASURE_TIMEOUT = 900.0
PYCG = ("bench/.cache/pycg-venv/bin/python", "-m", "pycg")


def build(cache: Path, name: str, excluded: tuple[str, ...]) -> Path:
    """A git repo with the packages at tag `base` and a 10-file change at tag `change` (built once)."""
    repo = cache / "callgraph" / name
    marker = repo / ".git" / "bench-callgraph"
    wanted = json.dumps([PACKAGES, excluded])
    if marker.exists() and marker.read_text() == wanted:
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    for project, version, inner in PACKAGES:
        archive = download_sdist(project, version, cache / "sdists" / project)
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(_unpack(archive, Path(tmp)) / inner, repo / Path(inner).name)
    for pattern in excluded:
        for path in repo.glob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    _commit(repo, "base", 0)
    files = sorted(p for p in repo.rglob("*.py") if ".git" not in p.parts and p.stat().st_size > 2000)
    step = len(files) // CHANGED_FILES
    for number, path in enumerate(files[::step][:CHANGED_FILES]):
        # A new function that calls into the file's module: new definitions and new edges.
        with path.open("a", encoding="utf-8") as f:
            f.write(f"\n\ndef _bench_probe_{number}(value):\n    return repr(value) + str({number})\n")
    _commit(repo, "change", 1)
    marker.write_text(wanted)
    return repo


def _commit(repo: Path, tag: str, day: int) -> None:
    git(repo, "add", "--all", "--force", ".")
    date = f"{1_700_000_000 + day * 86_400} +0000"
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    git(repo, "commit", "--quiet", "--no-verify", "-m", tag, env=env)
    git(repo, "tag", "--force", tag)


def python_lines(root: Path) -> tuple[int, int]:
    """(files, lines) of the .py files under root."""
    files = [p for p in root.rglob("*.py") if ".git" not in p.parts]
    return len(files), sum(p.read_bytes().count(b"\n") for p in files)


def child(request: dict[str, Any]) -> dict[str, Any]:
    """One measurement inside this (fresh) process: index a revision, or a package's files cold."""
    start = time.perf_counter()
    api = "preflight.callgraph.cache"
    try:
        from preflight.callgraph import cache
    except ImportError:
        cache = None  # type: ignore[assignment]
    if request.get("rewrite") and cache is not None:
        cache.REWRITE_SHARE = -1.0  # the variant that always writes the pack back
    if request["mode"] == "revision" and cache is not None:
        from preflight.repository import Repository

        with Repository(request["repo"]) as repo:
            result: Any = cache.index(repo, request["revision"], Path(request["cache"]), request["workers"])
    else:
        root = Path(request["root"])
        paths = sorted(p.relative_to(root).as_posix() for p in (root / request["package"]).rglob("*.py"))
        if cache is not None:
            files = [(p, _blob_id(root / p), _reader(root / p)) for p in paths]
            result = cache.index_files(files, Path(request["cache"]), request["workers"])
        else:  # the cached index is not written yet: time the plain build
            from preflight.callgraph import build

            api = "preflight.callgraph.build"
            result = build({p: (root / p).read_text("utf-8", "replace") for p in paths})
    seconds = time.perf_counter() - start
    graph = getattr(result, "graph", result)
    if request.get("dump"):
        Path(request["dump"]).write_text(json.dumps(graph.to_pycg()))
    return {
        "api": api,
        "seconds": seconds,
        "edges": sum(len(callees) for callees in graph.edges.values()),
        "functions": len(graph.functions),
        "entry_points": len(getattr(result, "entry_points", ())),
        "parsed": getattr(getattr(result, "stats", None), "parsed", None),
        "solve": getattr(getattr(result, "stats", None), "solve", None),
        "rss_mb": _peak_rss_mb(),
    }


def _blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _reader(path: Path) -> Any:
    return path.read_bytes


def _peak_rss_mb() -> dict[str, float]:
    """Peak resident memory of this process and of its largest worker, in MiB."""
    import resource

    status = Path("/proc/self/status").read_text()
    hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"main": round(hwm / 1024, 1), "worker": round(workers / 1024, 1)}


def measure(request: dict[str, Any], timeout: float = MEASURE_TIMEOUT) -> dict[str, Any]:
    """Run child(request) in a fresh interpreter under a memory cap; adds the wall time with start-up."""
    return child_process.run("bench.callgraph", request, timeout, MEMORY_CAP)


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_pycg(root: Path, package: str, output: Path, timeout: float) -> dict[str, Any]:
    """PyCG on one package (its process's wall time and peak RSS), or why it produced nothing."""
    files = sorted(str(p.relative_to(root)) for p in (root / package).rglob("*.py"))
    command = [str(Path(PYCG[0]).absolute()), *PYCG[1:], "--package", ".", *files, "-o", str(output)]
    start = time.perf_counter()
    errors = output.with_suffix(".stderr")
    with errors.open("wb") as sink:  # a file, not a pipe: PyCG may write more than a pipe holds
        process = subprocess.Popen(
            command, cwd=root, stdout=subprocess.DEVNULL, stderr=sink, preexec_fn=_limit_memory
        )
    status, usage = 0, None
    while time.perf_counter() - start < timeout:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if usage is None or not pid:
        process.kill()
        process.wait()
        return {"outcome": f"timeout after {timeout:.0f} s", "seconds": seconds}
    error = errors.read_text(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        return {"outcome": "failed: " + (error.strip().splitlines() or ["?"])[-1][:120], "seconds": seconds}
    return {"outcome": "ok", "seconds": seconds, "rss_mb": round(usage.ru_maxrss / 1024, 1)}


def internal_edges(adjacency: dict[str, list[str]], package: str) -> set[tuple[str, str]]:
    """Edges between names of the package; builtins, externals and `<lambda>`-style names dropped."""

    def inside(name: str) -> bool:
        return (name == package or name.startswith(package + ".")) and "<" not in name

    return {(a, b) for a, callees in adjacency.items() if inside(a) for b in callees if inside(b)}


WARM_RUNS = (
    ("warm, base", "base", False),
    ("warm, +10 files", "change", False),
    ("warm, +10 files, again", "change", False),
    ("warm, +10 files, pack rewritten", "change", True),
)
"""Label, revision, and whether the run must write the pack back (see cache.REWRITE_SHARE)."""


def index_runs(
    repo: Path, cache: Path, timeout: float, repeat: int
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Cold index of `base`; then, repeat times each, warm runs (see WARM_RUNS).

    Every "+10 files" run but "again" starts from a copy of the cache as the warm `base`
    run left it, as the first index of a new commit would; "again" is a second index of
    the changed commit (the first did not rewrite the pack, so this one resumes too).
    """
    directory = cache / "callgraph" / f"{repo.name}-index"
    shutil.rmtree(directory, ignore_errors=True)
    request = {"mode": "revision", "repo": str(repo), "workers": None, "root": str(repo), "package": ""}
    cold = measure({**request, "revision": "base", "cache": str(directory)}, timeout)
    runs = [("cold, base", [cold])]
    if "failed" in cold or not _has_index():
        return runs  # warm runs repeat the failed link step, or there is no cache to be warm
    warm = [measure({**request, "revision": "base", "cache": str(directory)}, timeout) for _ in range(repeat)]
    runs.append(("warm, base", warm))
    snapshot = directory.with_name(directory.name + "-base")
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(directory, snapshot)
    for label, revision, rewrite in WARM_RUNS[1:]:
        results = []
        for _ in range(repeat):
            if label.endswith("again"):
                shutil.rmtree(directory, ignore_errors=True)
                shutil.copytree(snapshot, directory)
                measure({**request, "revision": revision, "cache": str(directory)}, timeout)
            else:
                shutil.rmtree(directory, ignore_errors=True)
                shutil.copytree(snapshot, directory)
            run = {**request, "revision": revision, "cache": str(directory), "rewrite": rewrite}
            results.append(measure(run, timeout))
        runs.append((label, results))
    shutil.rmtree(snapshot, ignore_errors=True)
    return runs


def _has_index() -> bool:
    try:
        from preflight.callgraph.cache import index  # noqa: F401
    except ImportError:
        return False
    return True


def compare_pycg(repo: Path, cache: Path, timeout: float, run: bool) -> list[dict[str, Any]]:
    """Per package: preflight cold vs. PyCG time, memory and internal-edge overlap."""
    root = cache / "callgraph" / "export"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(repo), "archive", "base"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    rows = []
    for project, _, inner in PACKAGES:
        package = Path(inner).name
        ours_json, theirs_json = root / f"{package}.preflight.json", root / f"{package}.pycg.json"
        with tempfile.TemporaryDirectory() as index_dir:
            request = {"mode": "package", "root": str(root), "package": package, "cache": index_dir}
            ours = measure({**request, "workers": None, "dump": str(ours_json)}, timeout)
        row = {"package": project, "lines": python_lines(root / package)[1], "preflight": ours}
        if run:
            row["pycg"] = theirs = run_pycg(root, package, theirs_json, timeout)
            if theirs["outcome"] == "ok" and "failed" not in ours:
                p = internal_edges(json.loads(ours_json.read_text()), package)
                g = internal_edges(json.loads(theirs_json.read_text()), package)
                row["overlap"] = {"preflight": len(p), "pycg": len(g), "common": len(p & g)}
        rows.append(row)
        print(project, json.dumps(row), flush=True)
    return rows


def _mib(rss: dict[str, float]) -> str:
    return f"{rss['main']:.0f} / {rss['worker']:.0f}"


def _spread(seconds: list[float]) -> str:
    """One value, or best / median / max of several."""
    if len(seconds) == 1:
        return f"{seconds[0]:.2f}"
    return f"{min(seconds):.2f} / {statistics.median(seconds):.2f} / {max(seconds):.2f}"


def render(
    repos: list[tuple[str, tuple[int, int], list[tuple[str, list[dict[str, Any]]]]]],
    rows: list[dict[str, Any]],
    timeout: float,
    repeat: int = 1,
) -> str:
    """The Markdown report."""
    cpus = os.cpu_count()
    out = [
        "# Code index (stage 2) benchmark",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {cpus} CPUs. "
        f"Packages: {', '.join(f'{p} {v}' for p, v, _ in PACKAGES)} (sdists from PyPI, importable package only).",
        "",
        f"Command: `python -m bench.callgraph --repeat {repeat}` (repositories under `bench/.cache/callgraph/`).",
        "Each run is a fresh process; `index s` runs from importing preflight to the graph, `process s` adds",
        "interpreter start-up and exit. Warm rows repeat the run and give best / median / max. `solve` is how the",
        "graph was solved (`IndexStats.solve`). Peak RSS is VmHWM of the process / largest worker",
        "(ru_maxrss of children), of the first run.",
        "",
        "## preflight index: cold, warm, warm after a 10-file commit",
        "",
        "| repository | files | lines | run | solve | index s | process s | parsed | functions | edges | entry points | peak RSS MiB (main / worker) |",
        "|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, (files, lines), runs in repos:
        for label, results in runs:
            r = results[0]
            if any("failed" in x for x in results):
                failed = next(x for x in results if "failed" in x)
                out.append(
                    f"| {name} | {files:,} | {lines:,} | {label} | - | failed: {failed['failed']} "
                    f"| {failed['process_s']:.0f} |" + " - |" * 5
                )
                continue
            out.append(
                f"| {name} | {files:,} | {lines:,} | {label} | {r.get('solve') or '-'} "
                f"| {_spread([x['seconds'] for x in results])} | {_spread([x['process_s'] for x in results])} "
                f"| {r['parsed'] if r['parsed'] is not None else '-'} | {r['functions']:,} | {r['edges']:,} "
                f"| {r['entry_points']:,} | {_mib(r['rss_mb'])} |"
            )
    out += [
        "",
        "## PyCG 0.0.8 beside preflight (cold), per package",
        "",
        f"PyCG: `bench/.cache/pycg-venv/bin/python -m pycg --package . <every .py file of the package> -o out.json`, "
        f"run in the exported `base` tree (Python 3.10 venv), timeout {timeout:.0f} s. Edges are compared after "
        "keeping only edges whose both ends are names inside the package and dropping `<builtin>`/`<lambda>`-style names.",
        "",
        "| package | lines | preflight s | preflight RSS MiB | PyCG | PyCG s | PyCG RSS MiB | speed-up | preflight edges | PyCG edges | common | common / PyCG | common / preflight |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ours, theirs, overlap = row["preflight"], row.get("pycg"), row.get("overlap")
        pycg_cells = ["not run", "-", "-", "-"]
        if theirs is not None:
            ratio = theirs["seconds"] / ours.get("seconds", ours["process_s"])
            bound = "" if theirs["outcome"] == "ok" else ">"
            pycg_cells = [
                theirs["outcome"],
                f"{bound}{theirs['seconds']:.1f}",
                f"{theirs.get('rss_mb', '-')}",
                f"{bound}{ratio:.0f}x",
            ]
        edge_cells = ["-"] * 5
        if overlap:
            common, p, g = overlap["common"], overlap["preflight"], overlap["pycg"]
            edge_cells = [
                f"{p:,}",
                f"{g:,}",
                f"{common:,}",
                f"{common / max(g, 1):.0%}",
                f"{common / max(p, 1):.0%}",
            ]
        mine = (
            [f"failed: {ours['failed']}", "-"]
            if "failed" in ours
            else [f"{ours['seconds']:.2f}", _mib(ours["rss_mb"])]
        )
        out.append(
            f"| {row['package']} | {row['lines']:,} | {' | '.join(mine)} | "
            + " | ".join(pycg_cells + edge_cells)
            + " |"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Build the repositories, measure, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("bench/.cache"))
    parser.add_argument("--timeout", type=float, default=MEASURE_TIMEOUT, help="per run, preflight and PyCG")
    parser.add_argument("--no-pycg", action="store_true")
    parser.add_argument("--output", type=Path, default=Path("bench/results/callgraph.md"))
    parser.add_argument("--repeat", type=int, default=5, help="runs of each warm measurement")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    repos = []
    for name, excluded in (("full", ()), ("subset", SUBSET_EXCLUDED)):
        repo = build(args.cache, name, excluded)
        runs = index_runs(repo, args.cache, args.timeout, args.repeat)
        repos.append((name, python_lines(repo), runs))
        print(name, json.dumps(runs), flush=True)
    rows = compare_pycg(args.cache / "callgraph" / "full", args.cache, args.timeout, not args.no_pycg)
    args.output.write_text(render(repos, rows, args.timeout, args.repeat))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The pre-push hook on real repositories: what it adds to a warm `git push`.

Usage (from the repository root; PyPI reached through pip only, for the sdists):
    python -m bench.hook_real [--cache DIR] [--repeat N] [--output FILE] [--repos click,pytest,django]

Repositories: click and pytest (about 110,000 lines of Python, the issue's 100k-line size) with
their real histories (clones of the mirrors under /work/.mirror; click falls back to its releases
from sdists), and Django, about 500,000 lines of Python, from two releases' sdists (bench.repos). Each is cloned, pushed to a local bare remote and given the
installed hook (`preflight hook install`). A push is a new commit changing three function bodies in
the three largest production files, the same kind of change each time; every push is timed whole
(`git push` through the hook, a fresh process as git runs it):
- cold: no preflight cache in the clone (the first push after installing);
- warm: the cache holds the previous push's work (median of --repeat pushes);
- no-verify: `git push --no-verify` of the same kind of commit (median of --repeat pushes);
- resident: warm pushes answered by the resident process (`hook install --resident`; the push
  that starts it is not counted), each made right after its commit;
- resident, indexed ahead: the same, each push made once the resident process has indexed the
  new commit while waiting (as a push made a few seconds after committing finds it), with how
  long after the commit that was done;
- resident, edits indexed before the commit: the edits saved first, then committed and pushed at
  once as soon as the resident process had indexed the saved work tree (as a developer saves,
  then commits and pushes), with how long after saving that was done;
and the import time of the hook's path: the top-level imports' cumulative time that
`python -X importtime` reports for `preflight hook run` of one more such commit.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.hook import _edit_body
from bench.repos import build_repo, git

PREFLIGHT = Path(sys.executable).parent / "preflight"
MIRRORS = {
    "click": Path("/work/.mirror/pallets+click/repo"),
    "pytest": Path("/work/.mirror/pytest-dev+pytest/repo"),
}
DJANGO = ("5.1.3", "5.1.4")
ENV = {**os.environ, "NO_COLOR": "1", "GIT_TERMINAL_PROMPT": "0"}


def source(name: str, cache: Path) -> Path:
    """The repository to clone: its real history when mirrored, else releases from sdists."""
    if name in MIRRORS and MIRRORS[name].exists():
        return MIRRORS[name]
    if name == "click":
        return build_repo("click", ("8.1.7", "8.1.8"), cache)
    if name == "django":
        return build_repo("django", DJANGO, cache)
    if name in MIRRORS:
        raise SystemExit(f"{name}: no clone of its history at {MIRRORS[name]} (its mirror)")
    raise SystemExit(f"unknown repository {name!r}: choose click, pytest or django")


def prepare(name: str, cache: Path) -> Path:
    """A clone of the repository's default branch with a bare origin holding it and the hook installed."""
    root = cache / "hook-real" / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    work = root / "work"
    git(root, "clone", "--quiet", str(source(name, cache)), str(work))
    git(work, "checkout", "--quiet", "-B", "main")
    git(root, "init", "--quiet", "--bare", "--initial-branch=main", "origin.git")
    git(work, "remote", "set-url", "origin", str(root / "origin.git"))
    git(work, "push", "--quiet", "--no-verify", "origin", "main")
    git(work, "fetch", "--quiet", "origin")
    git(work, "branch", "--quiet", "--set-upstream-to=origin/main")
    subprocess.run([str(PREFLIGHT), "hook", "install", "--repo", str(work)], check=True, capture_output=True)
    return work


def targets(work: Path) -> list[tuple[str, str]]:
    """(path, qualname) of the first top-level function with a body of the three largest production files."""
    production = []
    for path in sorted(work.rglob("*.py")):
        relative = path.relative_to(work).as_posix()
        if relative.startswith(".git/") or re.search(
            r"(^|/)(tests?|testing|docs?|examples?)/|(^|/)test_[^/]*\.py$|conftest\.py$", relative
        ):
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):  # a file kept broken on purpose (Django has some)
            continue
        production += [
            (relative, node.name)
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and len(node.body) > 1
        ]
    sizes = {path: (work / path).stat().st_size for path, _ in production}
    chosen: dict[str, str] = {}
    for path, name in sorted(production, key=lambda pair: -sizes[pair[0]]):
        if path not in chosen:
            chosen[path] = name
        if len(chosen) == 3:
            break
    return list(chosen.items())


EDIT = "constant"
"""What each push inserts at the top of the three bodies (--edit), which keep what earlier pushes
inserted: "constant" assigns a number (no call: the lightest change for the call graph); "calls"
alternates a call of the function itself (a call of a repository function, resolved by the call
graph) and a number."""


def commit_change(work: Path, edits: list[tuple[str, str]], number: int, commit: bool = True) -> None:
    """Three function bodies changed, as the previous push left them plus one statement (and
    committed, unless commit is false)."""
    for path, qualname in edits:
        text = git(work, "show", f"origin/main:{path}")
        calls = EDIT == "calls" and number % 2 == 1
        statement = f"_preflight_bench = {qualname}(*())" if calls else f"_preflight_bench = {number}"
        (work / path).write_text(_edit_body(text, qualname, statement), encoding="utf-8")
    if commit:
        git(work, "commit", "--quiet", "--no-verify", "-am", f"bench change {number}")


def push(work: Path, *flags: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of the children and exit code of one `git push` of HEAD to main."""
    used = _cpu()
    start = time.perf_counter()
    done = subprocess.run(
        ["git", "push", "--quiet", *flags, "origin", "HEAD:main"], cwd=work, env=ENV, capture_output=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:  # a gate that fails still pushes nothing: push past it to keep going
        subprocess.run(["git", "push", "--quiet", "--no-verify", "origin", "HEAD:main"], cwd=work, check=True)
    git(work, "fetch", "--quiet", "origin")
    return seconds, _cpu() - used, done.returncode


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_seconds(work: Path) -> float:
    """Top-level imports' cumulative time of `preflight hook run` for one unpushed commit."""
    head = git(work, "rev-parse", "HEAD").strip()
    line = f"refs/heads/main {head} refs/heads/main {git(work, 'rev-parse', 'origin/main').strip()}\n"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "preflight", "hook", "run", "origin", "x"],
        input=line, cwd=work, capture_output=True, text=True, env=ENV,
    )  # fmt: skip
    top = re.findall(r"^import time:\s+\d+ \|\s+(\d+) \| \S", done.stderr, re.M)
    return sum(int(us) for us in top) / 1e6


def python_lines(work: Path) -> int:
    out = git(work, "ls-files", "-z", "--", "*.py")
    return sum(len((work / p).read_bytes().splitlines()) for p in out.split("\0") if p)


def measure(name: str, cache: Path, repeat: int) -> dict[str, object]:
    work = prepare(name, cache)
    edits = targets(work)
    number = 0

    def next_commit(commit: bool = True) -> None:
        nonlocal number
        number += 1
        commit_change(work, edits, number, commit)

    next_commit()
    cold = push(work)
    warm, noverify, codes = [], [], []
    for _ in range(repeat):
        next_commit()
        seconds, cpu, code = push(work)
        warm.append((seconds, cpu))
        codes.append(code)
    for _ in range(repeat):
        next_commit()
        noverify.append(push(work, "--no-verify")[0])
    next_commit()
    imports = statistics.median(import_seconds(work) for _ in range(3))
    resident, ahead, edited, resident_codes = resident_pushes(work, repeat, next_commit)
    return {
        "name": name,
        "lines": python_lines(work),
        "edits": edits,
        "cold": cold[0],
        "warm": statistics.median(s for s, _ in warm),
        "warm_range": (min(s for s, _ in warm), max(s for s, _ in warm)),
        "warm_cpu": statistics.median(c for _, c in warm),
        "noverify": statistics.median(noverify),
        "imports": imports,
        "codes": codes,
        "resident": statistics.median(s for s, _ in resident),
        "resident_range": (min(s for s, _ in resident), max(s for s, _ in resident)),
        "resident_cpu": statistics.median(c for _, c in resident),
        "ahead": statistics.median(s for s, _ in ahead),
        "ahead_range": (min(s for s, _ in ahead), max(s for s, _ in ahead)),
        "ahead_after": statistics.median(w for _, w in ahead),
        "edited": statistics.median(s for s, _ in edited),
        "edited_range": (min(s for s, _ in edited), max(s for s, _ in edited)),
        "edited_after": statistics.median(w for _, w in edited),
        "resident_codes": resident_codes,
    }


def resident_pushes(
    work: Path, repeat: int, next_commit: Callable[..., None]
) -> tuple[list[tuple[float, float]], list[tuple[float, float]], list[tuple[float, float]], list[int]]:
    """Warm pushes answered by the resident process (`hook install --resident`; the first push
    starts it and is not counted): (seconds, CPU) of pushes right after their commit, (seconds,
    seconds from the commit until it was indexed ahead) of pushes made once it was, (seconds,
    seconds from saving the edits until they were indexed) of pushes made right after committing
    edits saved once the process had indexed them (as a developer saves, then commits and
    pushes); and the exit codes. The process is stopped after."""
    subprocess.run(
        [str(PREFLIGHT), "hook", "install", "--resident", "--repo", str(work)],
        check=True,
        capture_output=True,
    )
    next_commit()
    push(work)
    for _ in range(300):  # until it answers (it imports preflight first)
        status = subprocess.run(
            [str(PREFLIGHT), "hook", "resident", "--repo", str(work)], capture_output=True, text=True
        )
        if "running" in status.stdout:
            break
        time.sleep(0.1)
    timings, codes = [], []
    for _ in range(repeat):
        next_commit()
        seconds, cpu, code = push(work)
        timings.append((seconds, cpu))
        codes.append(code)
    ahead = []
    for _ in range(repeat):
        before = _indexed_ahead(work)
        next_commit()
        start = time.perf_counter()
        while _indexed_ahead(work) == before and time.perf_counter() - start < 60:
            time.sleep(0.1)
        waited = time.perf_counter() - start
        seconds, _, code = push(work)
        ahead.append((seconds, waited))
        codes.append(code)
    edited = []
    for _ in range(repeat):
        before = _indexed_ahead(work, "edits")
        next_commit(commit=False)  # saved, not committed
        start = time.perf_counter()
        while _indexed_ahead(work, "edits") == before and time.perf_counter() - start < 60:
            time.sleep(0.1)
        waited = time.perf_counter() - start
        git(work, "commit", "--quiet", "--no-verify", "-am", "bench change, saved before")
        seconds, _, code = push(work)
        edited.append((seconds, waited))
        codes.append(code)
    status = subprocess.run(
        [str(PREFLIGHT), "hook", "resident", "--stop", "--repo", str(work)], capture_output=True, text=True
    )
    if f"answered {3 * repeat} push" not in status.stdout:
        raise SystemExit(f"the resident process did not answer every push: {status.stdout}")
    return timings, ahead, edited, codes


def _indexed_ahead(work: Path, what: str = "commits") -> int:
    """How many commits the resident process has indexed ahead of their push ("commits"), or how
    many times the work tree's edits ahead of their commit ("edits")."""
    status = subprocess.run(
        [str(PREFLIGHT), "hook", "resident", "--repo", str(work)], capture_output=True, text=True
    ).stdout
    pattern = r"indexed (\d+) commit" if what == "commits" else r"edits (\d+) time"
    found = re.search(pattern, status)
    return int(found.group(1)) if found else -1


def render(results: list[dict[str, object]], repeat: int) -> str:
    lines = [
        "# The pre-push hook on real repositories",
        "",
        f"`python -m bench.hook_real --repeat {repeat}` on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; seconds; warm and no-verify are "
        f"medians of {repeat} pushes (warm's range in brackets); overhead = warm - no-verify; CPU is "
        "user + system of the push's processes (less disturbed by a busy machine).",
        "",
        "| repository | Python lines | cold push | warm push | warm CPU | no-verify | overhead | hook imports "
        "| resident: warm push | resident: CPU | resident: overhead | resident, indexed ahead: push "
        "| its overhead | indexed after the commit | resident, edits indexed before the commit: push "
        "| its overhead | edits indexed after saving |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        low, high = r["warm_range"]  # type: ignore[misc]
        lines.append(
            f"| {r['name']} | {r['lines']:,} | {r['cold']:.2f} | {r['warm']:.2f} [{low:.2f}-{high:.2f}] | "
            f"{r['warm_cpu']:.2f} | {r['noverify']:.2f} | {float(r['warm']) - float(r['noverify']):.2f} | "  # type: ignore[arg-type]
            f"{r['imports']:.2f} | {r['resident']:.2f} [{r['resident_range'][0]:.2f}-{r['resident_range'][1]:.2f}] | "  # type: ignore[index]
            f"{r['resident_cpu']:.2f} | {float(r['resident']) - float(r['noverify']):.2f} | "  # type: ignore[arg-type]
            f"{r['ahead']:.2f} [{r['ahead_range'][0]:.2f}-{r['ahead_range'][1]:.2f}] | "  # type: ignore[index]
            f"{float(r['ahead']) - float(r['noverify']):.2f} | {r['ahead_after']:.2f} | "  # type: ignore[arg-type]
            f"{r['edited']:.2f} [{r['edited_range'][0]:.2f}-{r['edited_range'][1]:.2f}] | "  # type: ignore[index]
            f"{float(r['edited']) - float(r['noverify']):.2f} | {r['edited_after']:.2f} |"  # type: ignore[arg-type]
        )
    lines.append("")
    for r in results:
        lines.append(
            f"- {r['name']}: each push changes {', '.join(f'`{p}::{q}`' for p, q in r['edits'])}; hook exit codes {r['codes']}, resident {r['resident_codes']}"
        )  # type: ignore[attr-defined]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("bench/.cache"))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--output", type=Path, default=Path("bench/results/hook-real.md"))
    parser.add_argument("--repos", default="click,django")
    parser.add_argument("--edit", choices=("constant", "calls"), default="constant")
    args = parser.parse_args(argv)
    global EDIT  # one run, one kind of edit
    EDIT = args.edit
    results = [measure(name, args.cache.resolve(), args.repeat) for name in args.repos.split(",")]
    text = render(results, args.repeat)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

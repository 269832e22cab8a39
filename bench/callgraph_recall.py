"""Recall of preflight's call graph on real projects: their own test suites, run under tracing.

For each project, its sdist (pinned below, from PyPI) is unpacked under ``bench/.cache/recall/``,
a virtual environment there gets its test requirements (never the project itself: the tests
import the unpacked sources, so every frame names a file of the sdist), and pytest runs the
project's tests with ``sys.setprofile`` (and ``threading.setprofile``) recording each call
whose caller and callee are both functions of the package (tests and other code left out).
Names follow PyCG's rules as preflight does: ``module.Class.method``, ``<locals>`` dropped,
lambdas and comprehensions folded into their enclosing function, class bodies not callers.

Scored against ``preflight.callgraph`` on the package's files alone: recall = traced edges the
static graph has / traced edges. Every missed edge gets a reason from the static side: the
call site on the traced line of the caller and why it reached nothing (the solver's reason),
or that it reached other functions, or that there is no call site on that line (an implicit
call: an operator's or protocol's method, a property, a callback through outside code).
Traced edges are a lower bound of the truth (only what the tests ran), so static edges the
trace lacks are not errors as such; a random sample of them is listed for judging by hand.

Usage (from the repository root; the first run downloads and installs, later runs reuse)::

    python -m bench.callgraph_recall                 # every project
    python -m bench.callgraph_recall click flask     # some
    python -m bench.callgraph_recall --sample 25     # static-only edges sampled per project
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "recall"
RESULTS = ROOT / "bench" / "results" / "callgraph-recall.md"
SAMPLES = ROOT / "bench" / "results" / "callgraph-recall-sample.md"
PYTHON = Path(sys.executable)


@dataclass(frozen=True)
class Project:
    """A project whose test suite is traced."""

    name: str
    version: str
    package: str
    """The importable package inside the sdist (its parent goes on PYTHONPATH)."""
    requirements: tuple[str, ...]
    """What its tests need, pinned (the project itself is not installed)."""
    tests: tuple[str, ...] = ("tests",)
    """pytest arguments, run in the sdist's directory."""


PYTEST = "pytest==8.3.4"
PROJECTS = (
    Project("click", "8.1.8", "src/click", (PYTEST,)),
    Project(
        "flask",
        "3.0.3",
        "src/flask",
        (
            PYTEST,
            "werkzeug==3.0.6",
            "jinja2==3.1.4",
            "itsdangerous==2.2.0",
            "click==8.1.8",
            "blinker==1.9.0",
            "asgiref==3.8.1",
            "python-dotenv==1.0.1",
        ),
    ),
    Project(
        "requests",
        "2.32.3",
        "src/requests",
        (
            PYTEST,
            "pytest-httpbin==2.1.0",
            "pytest-mock==3.14.0",
            "trustme==1.2.0",
            "urllib3==2.2.3",
            "idna==3.10",
            "charset-normalizer==3.4.0",
            "certifi==2024.8.30",
            "PySocks==1.7.1",
        ),
    ),
    Project("jinja2", "3.1.4", "src/jinja2", (PYTEST, "markupsafe==3.0.2")),
)

_ANONYMOUS = ("<lambda>", "<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>")


def tracer(source_root: str, output: str, args: list[str]) -> int:
    """In the project's environment: run pytest under a profiler, write the edges as JSON.

    An edge is ((caller file, qualname), (callee file, qualname)) with the caller's lines.
    """
    import inspect
    import threading
    import types

    import pytest

    prefix = os.path.join(os.path.realpath(source_root), "")
    names: dict[types.CodeType, tuple[str, str] | None] = {}
    edges: dict[tuple[tuple[str, str], tuple[str, str]], set[int]] = {}

    def name(code: types.CodeType) -> tuple[str, str] | None:
        if code in names:
            return names[code]
        found = None
        path = os.path.realpath(code.co_filename)
        if path.startswith(prefix):
            qualname: str = getattr(code, "co_qualname", code.co_name)
            parts = [p for p in qualname.split(".") if p != "<locals>"]
            while parts and parts[-1] in _ANONYMOUS:
                parts.pop()
            found = (path[len(prefix) :], ".".join(parts))
        names[code] = found
        return found

    def profile(frame: types.FrameType, event: str, arg: Any) -> None:
        if event != "call" or frame.f_back is None:
            return
        code = frame.f_code
        callee = name(code)
        if callee is None or code.co_name in _ANONYMOUS:
            return
        if not code.co_flags & inspect.CO_NEWLOCALS:
            return  # a module or class body runs when it is imported or defined: not a call
        caller = name(frame.f_back.f_code)
        if caller is not None:
            lines = edges.setdefault((caller, callee), set())
            if len(lines) < 8:
                lines.add(frame.f_back.f_lineno)

    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        status = pytest.main([*args, "-q", "-p", "no:cacheprovider"])
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    rows = [[list(a), list(b), sorted(lines)] for (a, b), lines in edges.items()]
    Path(output).write_text(json.dumps({"status": int(status), "edges": rows}))
    return 0


def prepare(project: Project) -> tuple[Path, Path]:
    """The unpacked sdist and the python of its test environment (made once)."""
    from bench.repos import _unpack, download_sdist

    home = CACHE / f"{project.name}-{project.version}"
    source = home / "src"
    python = home / "venv" / "bin" / "python"
    marker = home / "ready"
    wanted = json.dumps(project.requirements)
    if marker.exists() and marker.read_text() == wanted:
        return next(source.iterdir()), python
    archive = download_sdist(project.name, project.version, CACHE / "sdists" / project.name)
    if source.exists():
        subprocess.run(["rm", "-rf", str(source)], check=True)
    source.mkdir(parents=True)
    _unpack(archive, source)
    subprocess.run([str(PYTHON), "-m", "venv", "--clear", str(home / "venv")], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *project.requirements], check=True)
    marker.write_text(wanted)
    return next(source.iterdir()), python


def trace(
    project: Project, sdist: Path, python: Path, reuse: bool
) -> tuple[dict[tuple[str, str], set[int]], int, float]:
    """The traced edges between the package's functions (dotted names), pytest's status, seconds."""
    from preflight.changes.sources import module_name

    output = CACHE / f"{project.name}-{project.version}" / "traced.json"
    package_root = sdist / Path(project.package).parent
    env = {**os.environ, "PYTHONPATH": f"{package_root}{os.pathsep}{ROOT}", "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    if not (reuse and output.exists()):
        subprocess.run(
            [
                str(python),
                "-m",
                "bench.callgraph_recall",
                "--trace",
                str(sdist / project.package),
                str(output),
                "--",
                *project.tests,
            ],
            cwd=sdist,
            env=env,
            check=True,
        )
        data = json.loads(output.read_text())
        data["seconds"] = time.perf_counter() - started
        output.write_text(json.dumps(data))
    data = json.loads(output.read_text())
    seconds = data.get("seconds", 0.0)
    top = Path(project.package).name
    edges: dict[tuple[str, str], set[int]] = {}
    for caller, callee, lines in data["edges"]:
        a = _dotted(module_name(f"{top}/{caller[0]}"), caller[1])
        b = _dotted(module_name(f"{top}/{callee[0]}"), callee[1])
        edges.setdefault((a, b), set()).update(lines)
    return edges, data["status"], seconds


def _dotted(module: str, qualname: str) -> str:
    return module if qualname in ("", "<module>") else f"{module}.{qualname}"


def analyse(sdist: Path, package: str) -> tuple[Any, Any, dict[tuple[str, int], list[int]]]:
    """preflight's graph of the package's files, its solved state, and call sites by (caller, line)."""
    from preflight.callgraph import fixpoint, incremental, summarize

    marker = ".<lambda"  # preflight.callgraph.program.LAMBDA_MARK (spelled out: older engines lack it)

    files = sorted((sdist / package).rglob("*.py"))
    raws = [summarize(p.relative_to(sdist).as_posix(), p.read_text("utf-8", "replace")).raw() for p in files]
    solved, _ = incremental.solve(raws)
    sites: dict[tuple[str, int], list[int]] = {}
    for index, constraint in enumerate(solved.program.constraints):
        if constraint is not None and len(constraint) == 7:
            caller = constraint[0]
            if marker in caller:
                caller = caller[: caller.index(marker)]
            sites.setdefault((caller, constraint[6]), []).append(index)
    return fixpoint.graph(solved.program, solved.state), solved, sites


def call_lines(solved: Any) -> dict[tuple[str, str], list[int]]:
    """(caller, callee) -> the lines of the call sites (or reads) that found the edge."""
    marker = ".<lambda"
    out: dict[tuple[str, str], list[int]] = {}
    for index, callees in solved.state.edges.items():
        constraint = solved.program.constraints[index]
        if constraint is None:
            continue
        caller = constraint[0]
        if marker in caller:
            caller = caller[: caller.index(marker)]
        line = constraint[6] if len(constraint) == 7 else None
        for callee in callees:
            if line is not None:
                out.setdefault((caller, callee), []).append(line)
    return out


def reason(
    edge: tuple[str, str], lines: set[int], solved: Any, sites: dict[tuple[str, int], list[int]]
) -> str:
    """Why the static graph lacks a traced edge, from the call sites on the traced lines."""
    caller, callee = edge
    found = [i for line in sorted(lines) for i in sites.get((caller, line), ())]
    calls = [i for i in found if solved.program.constraints[i][1][0] != "P"]
    short = callee.rsplit(".", 1)[-1]
    definition = solved.program.functions.get(callee)
    if definition is not None and definition.kind == "property":
        return "property read the solver did not resolve"
    if not calls:
        if short.startswith("__") and short.endswith("__"):
            return f"implicit call: {short}"
        return "no call site on the traced line (decorator, callback through outside code, generator)"
    why = [solved.state.reasons[i] for i in calls if i in solved.state.reasons]
    if why:
        return f"unresolved: {sorted(why)[0]}"
    if short.startswith("__") and short.endswith("__"):
        return f"implicit call: {short}"
    return "call site resolved, not to this callee"


def score(project: Project, sample: int, rng: random.Random, reuse: bool) -> dict[str, Any]:
    """Trace, build, compare one project."""
    sdist, python = prepare(project)
    traced, status, seconds = trace(project, sdist, python, reuse)
    graph, solved, sites = analyse(sdist, project.package)
    static = {(a, b) for a, callees in graph.edges.items() for b in callees}
    functions = set(graph.functions) | set(graph.edges)
    traced = {edge: lines for edge, lines in traced.items() if edge[0] in functions and edge[1] in functions}
    missed = {edge: lines for edge, lines in traced.items() if edge not in static}
    reasons = Counter(reason(edge, lines, solved, sites) for edge, lines in missed.items())
    internal = {(a, b) for a, b in static if b in functions}
    untraced = sorted(internal - traced.keys())
    return {
        "project": project,
        "pytest": status,
        "seconds": seconds,
        "traced": len(traced),
        "found": len(traced) - len(missed),
        "static": len(internal),
        "reasons": reasons,
        "missed": sorted(missed),
        "why": {edge: reason(edge, lines, solved, sites) for edge, lines in missed.items()},
        "sample": rng.sample(untraced, min(sample, len(untraced))),
        "lines": {edge: graph.functions.get(edge[0]) for edge in untraced},
        "sites": call_lines(solved),
    }


def render(results: list[dict[str, Any]]) -> str:
    """The Markdown report."""
    out = [
        "# Call graph recall on real projects (traced test suites)",
        "",
        "Generated by `python -m bench.callgraph_recall` (see its docstring for the method). Traced edges:",
        "calls seen while the project's own tests ran, between two functions of the package;",
        "recall = those the static graph has / traced edges.",
        "",
        "| project | version | pytest exit | tests traced in s | traced edges | found | recall | static edges (internal) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    total_traced = total_found = 0
    for r in results:
        p = r["project"]
        total_traced += r["traced"]
        total_found += r["found"]
        out.append(
            f"| {p.name} | {p.version} | {r['pytest']} | {r['seconds']:.0f} | {r['traced']} | {r['found']} "
            f"| {r['found'] / max(r['traced'], 1):.3f} | {r['static']} |"
        )
    out.append(
        f"| **all** | | | | {total_traced} | {total_found} | {total_found / max(total_traced, 1):.3f} | |"
    )
    out += [
        "",
        "## Missed edges by reason",
        "",
        "| reason | " + " | ".join(r["project"].name for r in results) + " |",
    ]
    out.append("|---|" + "---:|" * len(results))
    every = Counter[str]()
    for r in results:
        every.update(r["reasons"])
    for why, _ in every.most_common():
        out.append(f"| {why} | " + " | ".join(str(r["reasons"].get(why, 0)) for r in results) + " |")
    out += ["", "## Every missed edge", ""]
    for r in results:
        out += [f"### {r['project'].name}", ""]
        out += [f"- `{a} -> {b}`: {r['why'][(a, b)]}" for a, b in r["missed"]] or ["None."]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the selected projects and write the report (and the sample of untraced static edges)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--trace"]:
        return tracer(argv[1], argv[2], argv[4:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("projects", nargs="*", help="names (default: all)")
    parser.add_argument("--sample", type=int, default=25, help="untraced static edges listed per project")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    parser.add_argument("--reuse", action="store_true", help="use the last traced edges if there are some")
    args = parser.parse_args(argv)
    chosen = [p for p in PROJECTS if not args.projects or p.name in args.projects]
    rng = random.Random(20)
    results = [score(project, args.sample, rng, args.reuse) for project in chosen]
    args.output.write_text(render(results))
    lines = ["# Static edges the traced tests did not run: a random sample to judge by hand", ""]
    for r in results:
        lines += [f"## {r['project'].name} {r['project'].version}", ""]
        for a, b in r["sample"]:
            where = r["lines"].get((a, b))
            sites = sorted(set(r["sites"].get((a, b), ())))
            at = f" ({where[0]}, call on line {', '.join(map(str, sites)) or '?'})" if where else ""
            lines.append(f"- `{a} -> {b}`{at}: ")
        lines.append("")
    if not args.samples.exists():  # judgements are written into this file by hand: never overwrite
        args.samples.write_text("\n".join(lines))
    print(args.output.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

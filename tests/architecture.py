"""The architecture check (issue 18, Measure): stdlib `ast` over a package's source, no imports of it.

Each `find_*` function returns the violations it sees as sorted, stable strings (no line counts or
line numbers in them, so an unrelated edit does not change them); tests/test_architecture.py
compares them with its KNOWN lists. Every function takes the package directory, so the check runs
as well on a small synthetic package written to tmp_path.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

MAX_LINES = 500
"""No module over this many lines (STYLE.md: keep modules under ~300 lines; split before 500)."""

FOUNDATION = frozenset(
    {"preflight", "errors", "models", "escaping", "files", "globs", "yamlnodes", "memory", "extras"}
)
"""What every stage may import: the version, the error types, the contracts, the escaping of
untrusted text, atomic file writes, the default globs and their matcher, the strict YAML loader,
paused_gc and the check for an optional extra's modules. They import no stage themselves (see ALLOWED)."""

_CHANGES = frozenset({"changes"})
_CODE = _CHANGES | {"callgraph"}
_INPUTS = _CODE | {"runtime"}
_JOINED = _INPUTS | {"exposure"}
_SCORED = _JOINED | {"propagation", "history", "risk"}
_DECIDED = _SCORED | {"gate"}
_REPORTED = _DECIDED | {"report"}

ALLOWED: Mapping[str, frozenset[str]] = {
    # The foundation imports no stage (files and yamlnodes raise the error types; files escapes
    # the paths it names).
    "preflight": frozenset(),
    "errors": frozenset(),
    "models": frozenset(),
    "escaping": frozenset(),
    "files": frozenset({"errors", "escaping"}),
    "globs": frozenset(),
    "yamlnodes": frozenset({"errors"}),
    "memory": frozenset(),
    "extras": frozenset({"errors"}),
    # The edges that read inputs: repository owns every git call; event reads the GitHub Actions
    # event once (the revisions and the GitHub sink use it); config turns the bytes of
    # .preflight.yml into a Config. Only the wiring (pipeline, commands, cli) reads the config:
    # the values the stages need are contracts in models.py (issue 18, Build 2).
    "repository": frozenset({"preflight", "errors", "models", "files"}),
    "event": frozenset({"preflight", "errors", "models", "files"}),
    "config": FOUNDATION,
    # The pipeline stages of DESIGN.md in order; a stage may import the ones before it, never one
    # after it. The stages that read git (changes, the code index, the history, the digest's
    # merges) may use repository; the pure middle (exposure to sinks) may not.
    "changes": FOUNDATION | {"repository", "event"},
    "callgraph": FOUNDATION | {"repository"} | _CHANGES,
    "runtime": FOUNDATION | {"repository"} | _CODE,
    "exposure": FOUNDATION | _INPUTS,
    "history": FOUNDATION | {"repository"} | _CODE,
    "propagation": FOUNDATION | _JOINED,
    "risk": FOUNDATION | _JOINED | {"propagation", "history"},
    "gate": FOUNDATION | _SCORED,
    "report": FOUNDATION | _DECIDED,
    "sinks": FOUNDATION | {"event"} | _REPORTED,
    "digest": FOUNDATION | {"repository"} | _REPORTED,
    "hook": FOUNDATION,
    # The hook's resident process: its client and protocol (standard library only); the server is
    # cli.serve, which runs the command line.
    "resident": FOUNDATION,
    "crash": FOUNDATION,  # the last resort for a bug: saves the traceback (cli calls it)
    "otel": frozenset(),  # imported only by the user's service (it needs opentelemetry-sdk)
    # The wiring: pipeline joins the stages, commands call it, cli parses options.
    "pipeline": FOUNDATION | {"repository", "event", "config"} | _REPORTED | {"sinks", "digest"},
    "commands": FOUNDATION
    | {"repository", "event", "config"}
    | _REPORTED
    | {"sinks", "digest", "hook", "pipeline", "resident"},
    # The MCP server for coding agents: an edge beside cli (requests in, answers out), over the
    # same commands and pipeline.
    "mcp": FOUNDATION
    | {"repository", "event", "config"}
    | _REPORTED
    | {"sinks", "digest", "hook", "pipeline", "commands"},
    "cli": FOUNDATION
    | {"repository", "event", "config"}
    | _REPORTED
    | {"sinks", "digest", "hook", "pipeline", "commands", "crash", "mcp", "resident"},
    "launch": frozenset({"resident", "cli"}),  # the console script: the resident client, else cli
    "__main__": frozenset({"launch"}),
}
"""Which stage may import which. A stage is the first name under the package: preflight.risk.explain
is in stage risk, preflight.gate in stage gate. Imports within a stage are always allowed."""

CLICK_STAGES = frozenset({"cli"})
"""The stages that may import click: cli.py, or a cli package."""


def modules(package: Path) -> dict[str, Path]:
    """Every module of the package directory by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _existing(name: str, known: Mapping[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is a module of the package."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imported(name: str, path: Path, known: Mapping[str, Path]) -> Iterator[tuple[str, int]]:
    """Every module of the package one module imports, with the line: module-level, inside a
    function, under `if TYPE_CHECKING:`, anywhere. `from a.b import c` is a.b.c when that is a
    module, else a.b."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    root = next(iter(known)).partition(".")[0] if known else ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _existing(alias.name, known)
                if target is not None and alias.name.partition(".")[0] == root:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = _package_of(name, path).split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if base.partition(".")[0] != root:
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                target = full if full in known else _existing(base, known)
                if target is not None:
                    yield target, node.lineno


def import_graph(package: Path) -> dict[str, frozenset[str]]:
    """Module -> the modules of the package it imports (itself excluded)."""
    known = modules(package)
    return {
        name: frozenset(target for target, _ in imported(name, path, known) if target != name)
        for name, path in known.items()
    }


def _components(graph: Mapping[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative: deep import chains need no recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in graph:
                    continue
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(sorted(component))
    return found


def find_cycles(package: Path) -> list[str]:
    """Import cycles, one entry per strongly connected component: "cycle: a <-> b <-> c"."""
    cycles = [c for c in _components(import_graph(package)) if len(c) > 1]
    return sorted("cycle: " + " <-> ".join(component) for component in cycles)


def stage(module: str) -> str:
    """The stage a module belongs to: the first name under the package (the package itself for its
    own __init__)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def find_backward_imports(package: Path, allowed: Mapping[str, frozenset[str]] = ALLOWED) -> list[str]:
    """Imports between stages that the table does not allow: "import: a.b -> c.d" (module to module),
    and "stage: a.b" for a module whose stage is missing from the table."""
    found: set[str] = set()
    for module, targets in import_graph(package).items():
        mine = stage(module)
        if mine not in allowed:
            found.add(f"stage: {module}")
            continue
        for target in targets:
            theirs = stage(target)
            if theirs != mine and theirs not in allowed[mine]:
                found.add(f"import: {module} -> {target}")
    return sorted(found)


def _label(path: Path, package: Path) -> str:
    return path.relative_to(package.parent).as_posix()


def find_long_modules(package: Path, limit: int = MAX_LINES) -> list[str]:
    """Modules over the line limit: "size: preflight/cli.py"."""
    return sorted(
        f"size: {_label(path, package)}"
        for path in modules(package).values()
        if len(path.read_bytes().splitlines()) > limit
    )


def line_counts(package: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """The line count of every module over the limit (for failure messages and the closing note)."""
    counts = {_label(p, package): len(p.read_bytes().splitlines()) for p in modules(package).values()}
    return {label: n for label, n in sorted(counts.items()) if n > limit}


def find_click_importers(package: Path, stages: frozenset[str] = CLICK_STAGES) -> list[str]:
    """Modules outside the cli stage that import click: "click: preflight.commands.check"."""
    found: set[str] = set()
    for module, path in modules(package).items():
        if stage(module) in stages:
            continue
        for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            if any(n == "click" or n.startswith("click.") for n in names):
                found.add(f"click: {module}")
    return sorted(found)


def _simple(value: ast.expr) -> bool:
    """A constant, a name or an attribute, or a tuple/list/set of them: a re-export, no logic."""
    if isinstance(value, ast.Constant | ast.Name | ast.Attribute):
        return True
    if isinstance(value, ast.Tuple | ast.List | ast.Set):
        return all(_simple(element) for element in value.elts)
    return False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def init_logic(path: Path) -> list[str]:
    """What an __init__.py holds besides a docstring, imports, __all__ and simple constant
    re-exports: "def link (line 17)", "class Outcome (line 19)", "statement (line 30)"."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    found: list[str] = []
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Assign) and _simple(node.value):
            continue
        if isinstance(node, ast.AnnAssign) and (node.value is None or _simple(node.value)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # an attribute docstring after a constant
        if (
            isinstance(node, ast.If)
            and _is_type_checking(node.test)
            and not node.orelse
            and all(isinstance(n, ast.Import | ast.ImportFrom) for n in node.body)
        ):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(f"def {node.name} (line {node.lineno})")
        elif isinstance(node, ast.ClassDef):
            found.append(f"class {node.name} (line {node.lineno})")
        else:
            found.append(f"statement (line {node.lineno})")
    return found


def find_init_logic(package: Path) -> list[str]:
    """__init__.py files with logic in them: "init: preflight/sinks/__init__.py"."""
    return sorted(
        f"init: {_label(path, package)}"
        for path in modules(package).values()
        if path.name == "__init__.py" and init_logic(path)
    )


def init_details(package: Path) -> dict[str, list[str]]:
    """What each __init__.py with logic holds (for failure messages and the closing note)."""
    details = {
        _label(p, package): init_logic(p) for p in modules(package).values() if p.name == "__init__.py"
    }
    return {label: logic for label, logic in sorted(details.items()) if logic}

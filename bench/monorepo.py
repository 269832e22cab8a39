"""A synthetic, deterministic Python monorepo for measuring `preflight check` at scale.

Usage (from the repository root):
    python -m bench.monorepo DIR [--lines 1000000] [--seed 1] [--no-snapshot]

Writes DIR/repo (a git repository), DIR/telemetry (snapshot tables as CSV), DIR/calls.csv
and DIR/snapshot (from `preflight collect`). The repository has 30 services (one top-level
package each) plus a shared `common` package; each service has api (Flask routes), core,
db, clients, models and tasks (Celery) modules and a tests directory. Modules import
modules of their own service and of lower services; function bodies call local
functions, imported functions, classes and methods. About 20 lines per function, so
1,000,000 lines hold about 50,000 functions. `main` has six commits by several authors
(some of them fixes); the branch `pr` adds two commits touching 50 files: body and
signature changes, new functions, a decorator, new modules; `pr-next` adds one more commit
(a push after a first check). The telemetry covers main (what production runs): every
route and about 30% of the other functions, service edges from the cross-service imports,
one availability SLO per service. The same seed and size give the same bytes and the same
commit ids. The measurement lives in bench/monorepo_measure.py.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.monorepo_code import (
    COMMON_FILES,
    Func,
    Klass,
    Module,
    Tables,
    render_module,
    render_test,
    telemetry_rows,
)

SERVICES = [
    "accounts",
    "auth",
    "billing",
    "catalog",
    "checkout",
    "payments",
    "inventory",
    "shipping",
    "orders",
    "pricing",
    "search",
    "recommendations",
    "reviews",
    "notifications",
    "email",
    "sms",
    "analytics",
    "reporting",
    "fraud",
    "ledger",
    "invoicing",
    "tax",
    "currency",
    "loyalty",
    "promotions",
    "warehouse",
    "returns",
    "support",
    "identity",
    "gateway",
]
"""Lowest layer first: a service imports only from services before it (and `common`)."""
LAYERS = ("core", "db", "clients", "models", "api", "tasks")
LAYER_WEIGHTS = (5, 2, 2, 2, 2, 1)
NOUNS = [
    "account",
    "order",
    "item",
    "cart",
    "price",
    "quote",
    "invoice",
    "payment",
    "refund",
    "ledger",
    "entry",
    "batch",
    "report",
    "customer",
    "session",
    "token",
    "address",
    "rate",
    "rule",
    "policy",
    "event",
    "message",
    "queue",
    "job",
    "record",
    "stock",
    "shipment",
    "route",
    "carrier",
    "label",
    "coupon",
    "reward",
    "review",
    "score",
    "limit",
    "window",
    "cursor",
    "page",
    "profile",
    "setting",
    "audit",
    "export",
    "import",
    "snapshot",
    "metric",
    "alert",
    "channel",
    "template",
]
VERBS = [
    "load",
    "save",
    "fetch",
    "build",
    "compute",
    "apply",
    "validate",
    "resolve",
    "merge",
    "split",
    "render",
    "parse",
    "format",
    "check",
    "update",
    "create",
    "delete",
    "sync",
    "publish",
    "collect",
    "normalize",
    "reconcile",
    "schedule",
    "refresh",
    "estimate",
    "allocate",
    "release",
    "reserve",
    "cancel",
    "confirm",
    "notify",
    "retry",
    "score",
    "rank",
    "filter",
]
LINES_PER_FUNCTION = 19.5
"""Measured on the output (module and test code together); sizes the plan."""
TEST_SHARE = 0.3
"""Share of non-test modules with a test file."""
PR_FILES = 50
AUTHORS = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov", "Ken Thompson")
EPOCH = 1_735_689_600  # 2025-01-01T00:00:00Z: commit dates are fixed, so commit ids are too


@dataclass(slots=True)
class Plan:
    """Every module of the monorepo, in creation (and import-layer) order."""

    modules: list[Module] = field(default_factory=list)
    tests: dict[str, Module] = field(default_factory=dict)
    """Module path -> the module its test file tests."""

    def functions(self) -> int:
        """Functions and methods over all modules."""
        return sum(len(m.funcs) + sum(len(k.methods) for k in m.classes) for m in self.modules)


def plan(lines: int, seed: int) -> Plan:
    """Modules, classes, functions and imports for about `lines` lines of code."""
    rng = random.Random(seed)
    target = max(int(lines / LINES_PER_FUNCTION), len(SERVICES) * 4)
    out = Plan()
    by_service: dict[str, list[Module]] = {s: [] for s in SERVICES}
    names_used: set[str] = set()
    count = 0
    number = 0
    while count < target:
        service = SERVICES[number % len(SERVICES)]
        layer = _layer(rng, number, service)
        module = _module(rng, service, layer, names_used, number)
        own = by_service[service]
        lower = [m for s in SERVICES[: SERVICES.index(service)] for m in by_service[s][:6]]
        module.imports = rng.sample(own, min(len(own), rng.randint(1, 4)))
        module.imports += rng.sample(lower, min(len(lower), rng.randint(0, 2)))
        own.append(module)
        out.modules.append(module)
        count += len(module.funcs) + sum(len(k.methods) for k in module.classes)
        number += 1
    for module in out.modules:
        module.callable_funcs()  # fixes what other code may call before any edit
        if rng.random() < TEST_SHARE:
            out.tests[_test_path(module)] = module
    return out


def _layer(rng: random.Random, number: int, service: str) -> str:
    if number < len(SERVICES) * 2:  # every service starts with a core module and an api module
        return "core" if number < len(SERVICES) else "api"
    return rng.choices(LAYERS, LAYER_WEIGHTS)[0]


def _module(rng: random.Random, service: str, layer: str, used: set[str], number: int) -> Module:
    while True:
        stem = f"{rng.choice(NOUNS)}_{rng.choice(('service', 'store', 'rules', 'views', 'utils', 'flow'))}"
        path = f"{service}/{layer}/{stem}.py"
        if path not in used:
            used.add(path)
            break
    module = Module(path=path, name=path[:-3].replace("/", "."), layer=layer, seed=rng.getrandbits(32))
    size = rng.randint(8, 44)
    classes = 0 if layer in ("api", "tasks") else rng.choice((0, 1, 1, 2, 3))
    names: set[str] = set()
    for c in range(classes):
        methods = rng.randint(2, 7)
        klass = Klass(_class_name(rng, c), rng.choice((None, None, "Base")))
        for _ in range(methods):
            klass.methods.append(_func(rng, names, "method"))
        module.classes.append(klass)
        size -= methods
    kind = {"api": "route", "tasks": "task"}.get(layer, "function")
    for _ in range(max(size, 3)):
        module.funcs.append(_func(rng, names, kind if rng.random() < 0.6 else "function"))
    return module


def _class_name(rng: random.Random, index: int) -> str:
    noun = rng.choice(NOUNS).capitalize()
    return f"{noun}{('Service', 'Repository', 'Manager', 'Client')[index % 4]}"


def _func(rng: random.Random, names: set[str], kind: str) -> Func:
    while True:
        name = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"
        if name not in names:
            names.add(name)
            break
    params = rng.sample(
        ("items", "limit", "context", "payload", "key", "amount", "options"), rng.randint(0, 3)
    )
    return Func(name, params, rng.getrandbits(32), kind)


def _test_path(module: Module) -> str:
    service, layer, stem = module.path[:-3].split("/")
    return f"{service}/tests/test_{layer}_{stem}.py"


def render_all(the_plan: Plan) -> dict[str, str]:
    """Path -> text of every file in the repository."""
    files = dict(COMMON_FILES)
    for service in SERVICES:
        files[f"{service}/__init__.py"] = f'"""The {service} service."""\n'
        for layer in (*LAYERS, "tests"):
            files[f"{service}/{layer}/__init__.py"] = ""
    for module in the_plan.modules:
        files[module.path] = render_module(module)
    for path, module in the_plan.tests.items():
        files[path] = render_test(module)
    files[".preflight.yml"] = "services:\n  gateway:\n    utilization: 0.4\n"
    return files


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in repo without the user's or the system's configuration."""
    from bench.repos import git as run

    return run(repo, *args, env=env)


def commit(repo: Path, files: dict[str, str], number: int, message: str, author: str) -> None:
    """Write files, stage everything, commit with a fixed date and the author."""
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(repo, "add", "--all")
    date = f"{EPOCH + number * 86_400} +0000"
    email = author.lower().replace(" ", ".") + "@example.invalid"
    env = {
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": email,
    }
    git(repo, "commit", "--quiet", "--no-verify", "-m", message, env=env)


HISTORY = (
    ("Tune retry limits in the core modules", 0.02),
    ("Fix rounding of amounts in ledger entries", 0.015),
    ("Add helpers for paging through records", 0.02),
    ("fix: handle missing keys in payloads", 0.01),
    ("Refactor clients to share one session", 0.02),
)
"""Commits on main after the initial import: (subject, share of modules they touch)."""


def build(root: Path, lines: int, seed: int) -> tuple[Plan, list[str], Tables]:
    """The repository at root: main with history, and the branch `pr`.

    Returns the plan, the PR's paths, and telemetry of main (what production runs).
    """
    rng = random.Random(seed * 7919 + 1)
    the_plan = plan(lines, seed)
    root.mkdir(parents=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    commit(root, render_all(the_plan), 0, "Import the services", AUTHORS[0])
    for number, (subject, share) in enumerate(HISTORY, start=1):
        touched = rng.sample(the_plan.modules, max(1, int(len(the_plan.modules) * share)))
        for module in touched:
            _edit_body(rng, module)
            if rng.random() < 0.3:
                module.funcs.append(_func(rng, _names(module), "function"))
        files = {m.path: render_module(m) for m in touched}
        commit(root, files, number, subject, AUTHORS[number % len(AUTHORS)])
    tables = telemetry_rows(the_plan.modules, SERVICES, random.Random(seed * 104_729 + 3))
    git(root, "checkout", "--quiet", "-b", "pr")
    paths = _pull_request(root, rng, the_plan, len(HISTORY) + 1)
    git(root, "checkout", "--quiet", "main")
    next_commit(root)
    git(root, "gc", "--quiet")
    return the_plan, paths, tables


NEXT_FILES = 3


def next_commit(root: Path) -> None:
    """The branch `pr-next`: one more commit on `pr` adding a function to three of its files (a
    push after the first check: the code index then has a cache for `pr`, not for this tree)."""
    paths = sorted(git(root, "diff", "--name-only", "main", "pr").split())[:NEXT_FILES]
    git(root, "checkout", "--quiet", "-b", "pr-next", "pr")
    files = {}
    for number, path in enumerate(paths):
        text = (root / path).read_text(encoding="utf-8")
        files[path] = text + f"\n\ndef review_follow_up_{number}(payload):\n    return len(payload or ())\n"
    commit(root, files, len(HISTORY) + 3, "Address review comments", AUTHORS[1])
    git(root, "checkout", "--quiet", "main")


def _names(module: Module) -> set[str]:
    return {f.name for f in module.funcs} | {f.name for k in module.classes for f in k.methods}


def _edit_body(rng: random.Random, module: Module) -> Func:
    funcs = module.funcs + [f for k in module.classes for f in k.methods]
    chosen = rng.choice(funcs)
    chosen.variant += 1
    return chosen


def _pull_request(root: Path, rng: random.Random, the_plan: Plan, number: int) -> list[str]:
    """Two commits on `pr` touching PR_FILES files: 20 body edits, 12 signatures, 10 new functions,
    4 decorators, 4 new modules."""
    candidates = [m for m in the_plan.modules if len(m.funcs) > 3]
    touched = rng.sample(candidates, min(PR_FILES - 4, len(candidates) // 2))
    first: dict[str, str] = {}
    for index, module in enumerate(touched):
        if index < 20:
            for _ in range(rng.randint(1, 3)):
                _edit_body(rng, module)
        elif index < 32:
            target = rng.choice(module.funcs)
            target.params = [*target.params, "timeout"]  # rendered with a default, used in the body
            target.variant += 1
        elif index < 42:
            for _ in range(rng.randint(1, 2)):
                module.funcs.append(_func(rng, _names(module), "function"))
        else:
            rng.choice(module.funcs).extra_decorator = True
        first[module.path] = render_module(module)
    commit(root, first, number, "Speed up checkout and fix stale prices", AUTHORS[1])
    second: dict[str, str] = {}
    for index in range(4):
        service = SERVICES[-1 - index]
        module = _module(rng, service, "core", {m.path for m in the_plan.modules}, index)
        module.imports = [m for m in the_plan.modules if m.path.startswith(f"{service}/")][:3]
        the_plan.modules.append(module)
        second[module.path] = render_module(module)
    commit(root, second, number + 1, "Add pricing rules modules", AUTHORS[1])
    return sorted([*first, *second])


def write_telemetry(out: Path, tables: Tables) -> Path:
    """Snapshot tables as CSV (functions, endpoints, edges, function_endpoints, slos) and calls.csv."""
    directory = out / "telemetry"
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    with (out / "calls.csv").open("w", newline="", encoding="utf-8") as handle:
        plain = csv.writer(handle)
        plain.writerow(["qualname", "calls_per_min"])
        plain.writerows((row["qualname"], row["calls_per_min"]) for row in tables["functions"])
    return directory


def collect(out: Path, telemetry: Path) -> None:
    """The runtime snapshot at out/snapshot, resolved against main; leaves no code index behind."""
    repo = out / "repo"
    command = [sys.executable, "-m", "preflight", "collect", str(telemetry), "--repo", str(repo)]
    subprocess.run(
        [*command, "--revision", "main", "--output", str(out / "snapshot")], check=True, capture_output=True
    )
    shutil.rmtree(repo / ".git" / "preflight", ignore_errors=True)


def python_lines(repo: Path) -> int:
    """Lines of the .py files in the work tree (main is checked out)."""
    return sum(p.read_bytes().count(b"\n") for p in repo.rglob("*.py") if ".git" not in p.parts)


def main(argv: list[str] | None = None) -> int:
    """Generate the monorepo, its telemetry and its snapshot under DIR."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "directory", type=Path, help="where to write repo/, telemetry/, snapshot/ (must not exist)"
    )
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-snapshot", action="store_true", help="skip `preflight collect`")
    args = parser.parse_args(argv)
    the_plan, paths, tables = build(args.directory / "repo", args.lines, args.seed)
    telemetry = write_telemetry(args.directory, tables)
    if not args.no_snapshot:
        collect(args.directory, telemetry)
    repo = args.directory / "repo"
    files = [p for p in git(repo, "ls-tree", "-r", "--name-only", "main").split() if p.endswith(".py")]
    lines = python_lines(repo)
    print(
        f"{len(files):,} files, {lines:,} lines, {the_plan.functions():,} functions, PR: {len(paths)} files"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

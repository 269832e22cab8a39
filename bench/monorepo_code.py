"""The text of the synthetic monorepo's modules and tests, and its telemetry rows (bench/monorepo.py).

Every function's body comes from its own seed, and calls only what existed when the plan
was made (`Module.frozen`, `Func.arity`), so a later edit to one function (a new
parameter with a default, a new function beside it) changes no other function's text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Func:
    """A function or method of the plan."""

    name: str
    params: list[str]
    seed: int
    kind: str
    """function, method, route (a Flask view) or task (a Celery task)."""
    variant: int = 0
    """Bumped by each body edit: changes a literal, and adds a statement when odd."""
    extra_decorator: bool = False
    arity: int = -1
    """Positional arguments callers pass: the parameters the plan gave it (later ones have defaults)."""

    def __post_init__(self) -> None:
        if self.kind == "route":
            self.params = []
        if self.arity < 0:
            self.arity = len(self.params)


@dataclass(slots=True)
class Klass:
    """A class and its methods."""

    name: str
    base: str | None
    methods: list[Func] = field(default_factory=list)


@dataclass(slots=True)
class Module:
    """A module of the plan."""

    path: str
    name: str
    layer: str
    seed: int
    funcs: list[Func] = field(default_factory=list)
    classes: list[Klass] = field(default_factory=list)
    imports: list[Module] = field(default_factory=list)
    frozen: int = -1
    """How many of funcs other code may call: those planned at the start."""

    @property
    def service(self) -> str:
        """The top-level package."""
        return self.path.split("/", 1)[0]

    @property
    def stem(self) -> str:
        """The file name without .py."""
        return self.path.rsplit("/", 1)[1][:-3]

    def callable_funcs(self) -> list[Func]:
        """The top-level functions other code calls."""
        if self.frozen < 0:
            self.frozen = len(self.funcs)
        return self.funcs[: self.frozen]


COMMON_FILES = {
    "common/__init__.py": '"""Code shared by every service."""\n',
    "common/resilience.py": '''"""Retries with backoff."""

from __future__ import annotations

import functools
import time


def retry(times=3, delay=0.05):
    """Call the wrapped function again when it raises, up to `times` attempts."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(times):
                try:
                    return func(*args, **kwargs)
                except (ConnectionError, TimeoutError):
                    if attempt == times - 1:
                        raise
                    time.sleep(delay * 2**attempt)
            return None

        return wrapper

    return decorate
''',
    "common/metrics.py": '''"""Timers and counters."""

from __future__ import annotations

import contextlib
import time

COUNTS = {}


@contextlib.contextmanager
def timer(name):
    """Time the block under name."""
    start = time.perf_counter()
    try:
        yield
    finally:
        COUNTS[name] = COUNTS.get(name, 0.0) + time.perf_counter() - start


def incr(name, value=1):
    """Add to a counter."""
    COUNTS[name] = COUNTS.get(name, 0) + value
''',
    "common/cache.py": '''"""A small time-based cache."""

from __future__ import annotations

import functools
import time


def cached(ttl=60):
    """Keep results for ttl seconds, keyed by the arguments."""

    def decorate(func):
        store = {}

        @functools.wraps(func)
        def wrapper(*args):
            now = time.monotonic()
            hit = store.get(args)
            if hit is not None and now - hit[0] < ttl:
                return hit[1]
            value = func(*args)
            store[args] = (now, value)
            return value

        return wrapper

    return decorate
''',
    "common/models.py": '''"""The base class of service objects."""

from __future__ import annotations


class Base:
    """Shared behaviour: dict conversion and validation."""

    def __init__(self, store=None, limit=50):
        self.store = store if store is not None else {}
        self.limit = limit

    def to_dict(self):
        """The public attributes as a dict."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def validate(self, payload):
        """Reject payloads that are not mappings."""
        if not isinstance(payload, dict):
            raise ValueError("payload must be a mapping")
        return payload
''',
}

ROUTE_VERBS = ("GET", "POST", "PUT")
_ARG_LITERALS = ("None", "0", "1", "10", "'default'", "{}", "[]", "True")


def render_module(module: Module) -> str:
    """The text of one module."""
    rng = random.Random(module.seed)
    targets = _targets(module)
    lines = [f'"""{module.name}: {module.layer} code of the {module.service} service."""', ""]
    lines += ["from __future__ import annotations", "", "import logging"]
    if module.layer == "models":
        lines.append("from dataclasses import dataclass")
    lines.append("")
    if module.layer == "api":
        lines.append("from flask import Blueprint, request")
    if module.layer == "tasks":
        lines.append("from celery import shared_task")
    lines += ["from common.cache import cached", "from common.metrics import incr, timer"]
    lines.append("from common.models import Base")
    lines.append("from common.resilience import retry")
    for imported, alias in _aliases(module):
        package, stem = imported.name.rsplit(".", 1)
        lines.append(f"from {package} import {stem}" + (f" as {alias}" if alias != stem else ""))
    lines += ["", "log = logging.getLogger(__name__)"]
    if module.layer == "api":
        lines.append(f'bp = Blueprint("{module.service}_{module.stem}", __name__)')
    lines += [f"DEFAULT_LIMIT = {rng.randint(10, 500)}", ""]
    for klass in module.classes:
        lines += ["", *_class(module, klass, targets, rng)]
    for func in module.funcs:
        lines += ["", "", *_function(module, func, targets, None)]
    return "\n".join(lines) + "\n"


def _aliases(module: Module) -> list[tuple[Module, str]]:
    taken = {f.name for f in module.funcs} | {k.name for k in module.classes}
    out = []
    for imported in module.imports:
        alias = imported.stem
        if imported.service != module.service:
            alias = f"{imported.service}_{imported.stem}"
        elif alias in taken:
            alias = f"{imported.layer}_{imported.stem}"
        taken.add(alias)
        out.append((imported, alias))
    return out


Target = tuple[str, str, int]
"""(prefix, name, positional arguments): `prefix + name(args)`."""


def _targets(module: Module) -> list[Target]:
    out: list[Target] = [("", f.name, f.arity) for f in module.callable_funcs()]
    for imported, alias in _aliases(module):
        out += [(f"{alias}.", f.name, f.arity) for f in imported.callable_funcs()]
        for klass in imported.classes[:1]:
            out += [(f"{alias}.{klass.name}().", m.name, m.arity) for m in klass.methods[:3]]
    return out


def _class(module: Module, klass: Klass, targets: list[Target], rng: random.Random) -> list[str]:
    lines = []
    if module.layer == "models":
        lines.append("@dataclass")
    lines.append(f"class {klass.name}({klass.base}):" if klass.base else f"class {klass.name}:")
    lines += [f'    """{klass.name.lower()} operations of {module.name}."""', ""]
    if module.layer != "models":
        lines += ["    def __init__(self, store=None, limit=DEFAULT_LIMIT):"]
        lines += ["        self.store = store if store is not None else {}", "        self.limit = limit"]
    else:
        lines += [
            "    key: str = ''",
            "    amount: float = 0.0",
            "    store: dict = None",
            "    limit: int = 0",
        ]
    own = [("self.", m.name, m.arity) for m in klass.methods]
    for method in klass.methods:
        lines += ["", *_function(module, method, own + targets[: len(targets) // 2], klass)]
    return lines


def _decorators(module: Module, func: Func, rng: random.Random) -> list[str]:
    out = []
    if func.kind == "route":
        verb = ROUTE_VERBS[func.seed % 3]
        out.append(f'@bp.route("/{module.service}/{func.name.replace("_", "-")}", methods=["{verb}"])')
    elif func.kind == "task":
        out.append(f'@shared_task(name="{module.service}.{func.name}")')
    roll = rng.random()
    if roll < 0.12:
        out.append(f"@retry(times={rng.randint(2, 5)})")
    elif roll < 0.18 and func.kind == "function":
        out.append(f"@cached(ttl={rng.choice((30, 60, 300))})")
    if func.extra_decorator:
        out.append("@retry(times=3)")
    return out


def _function(module: Module, func: Func, targets: list[Target], klass: Klass | None) -> list[str]:
    rng = random.Random(func.seed)
    pad = "    " if klass is not None else ""
    params = list(func.params)
    signature = ", ".join(
        (["self"] if klass is not None else [])
        + params[: func.arity]
        + [f"{p}=None" for p in params[func.arity :]]
    )
    lines = [pad + d for d in _decorators(module, func, rng)]
    lines.append(f"{pad}def {func.name}({signature}):")
    body = _body(module, func, targets, rng)
    return lines + [pad + "    " + line if line else "" for line in body]


def _body(module: Module, func: Func, targets: list[Target], rng: random.Random) -> list[str]:
    words = func.name.replace("_", " ")
    lines = [f'"""{words.capitalize()} for the {module.service} service."""']
    names = list(func.params[: func.arity])
    if func.kind == "route":
        lines.append("payload = request.get_json(silent=True) or {}")
        names.append("payload")
    elif not names:
        names.append("payload")
        lines.append("payload = {}")
    lines.append(f"threshold = {rng.randint(1, 90) + func.variant}")
    names.append("threshold")
    for step in range(rng.randint(2, 5)):
        lines += _statement(rng, names, targets, step)
    if func.variant % 2:
        lines += ["if threshold > DEFAULT_LIMIT:", f'    log.debug("{func.name}: threshold %s", threshold)']
    if "timeout" in func.params[func.arity :]:
        lines += ["if timeout is not None and timeout <= 0:", '    raise TimeoutError("no time left")']
    lines.append(f"return {rng.choice(names)}")
    return lines


def _call(rng: random.Random, names: list[str], targets: list[Target]) -> str:
    if not targets:
        return f"len({rng.choice(names)} or ())"
    prefix, name, arity = rng.choice(targets)
    args = [rng.choice(names) if rng.random() < 0.8 else rng.choice(_ARG_LITERALS) for _ in range(arity)]
    return f"{prefix}{name}({', '.join(args)})"


def _statement(rng: random.Random, names: list[str], targets: list[Target], step: int) -> list[str]:
    new = f"{rng.choice(('result', 'value', 'found', 'rows', 'total', 'entry'))}_{step}"
    kind = rng.choice(("assign", "assign", "guard", "loop", "try", "comp", "timer", "log"))
    out: list[str]
    if kind == "guard":
        out = [
            f"{new} = {_call(rng, names, targets)}",
            f"if {new} is None:",
            f"    {new} = {_call(rng, names, targets)}",
        ]
        out.append(f'    incr("{new}")')
    elif kind == "loop":
        source = rng.choice(names)
        out = [f"{new} = []", f"for item in ({source} or [])[:threshold]:"]
        out += [
            "    if not item:",
            "        continue",
            f"    {new}.append({_call(rng, [*names, 'item'], targets)})",
        ]
    elif kind == "try":
        out = ["try:", f"    {new} = {_call(rng, names, targets)}", "except (KeyError, ValueError) as exc:"]
        out += [f'    log.warning("{new} failed: %s", exc)', f"    {new} = None"]
    elif kind == "comp":
        source = rng.choice(names)
        out = [
            f"{new} = {{",
            "    str(k): v",
            f"    for k, v in enumerate({source} or ())",
            "    if v is not None",
            "}",
        ]
    elif kind == "timer":
        out = [f'with timer("{new}"):', f"    {new} = {_call(rng, names, targets)}"]
    elif kind == "log":
        out = [f"{new} = {_call(rng, names, targets)}", f'log.info("{new}=%s", {new})']
    else:
        out = [f"{new} = {_call(rng, names, targets)}"]
    names.append(new)
    return out


def render_test(module: Module) -> str:
    """A pytest file calling the module's functions and its first class's methods."""
    package, stem = module.name.rsplit(".", 1)
    lines = [f'"""Tests of {module.name}."""', "", "import pytest", "", f"from {package} import {stem}", ""]
    lines += [
        "",
        "@pytest.fixture",
        "def payload():",
        '    return {"key": "k-1", "amount": 10.0, "items": [1, 2, 3]}',
    ]
    for func in module.callable_funcs()[:12]:
        args = ", ".join(["payload"] + ["None"] * (func.arity - 1)) if func.arity else ""
        lines += ["", "", f"def test_{func.name}(payload):", f"    result = {stem}.{func.name}({args})"]
        lines += ["    assert result is not None or payload"]
    for klass in module.classes[:1]:
        lines += ["", "", f"class Test{klass.name}:"]
        for method in klass.methods:
            args = ", ".join(["payload"] * method.arity)
            lines += [
                "",
                f"    def test_{method.name}(self, payload):",
                f"        subject = {stem}.{klass.name}()",
            ]
            lines += [f"        assert subject.{method.name}({args}) is not None or payload"]
    return "\n".join(lines) + "\n"


WINDOW = ("2025-01-07T00:00:00+00:00", "2025-01-07T01:00:00+00:00")


Tables = dict[str, list[dict[str, Any]]]
"""Snapshot table name -> rows (column -> value)."""


def telemetry_rows(modules: list[Module], services: list[str], rng: random.Random) -> Tables:
    """One hour of per-function, per-endpoint and per-edge stats and one SLO per service, as table rows."""
    functions: list[dict[str, Any]] = []
    endpoints: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    start, end = WINDOW
    for module in modules:
        members = [(f"{module.name}.{f.name}", f) for f in module.funcs]
        members += [(f"{module.name}.{k.name}.{m.name}", m) for k in module.classes for m in k.methods]
        for qualname, func in members:
            if func.kind != "route" and rng.random() > 0.3:
                continue
            rate = round(rng.lognormvariate(4.0, 1.8), 2)
            p50 = round(rng.lognormvariate(1.0, 1.0), 2)
            functions.append(
                {
                    "service": module.service,
                    "qualname": qualname,
                    "calls": int(rate * 60),
                    "calls_per_min": rate,
                    "p50_ms": p50,
                    "p95_ms": round(p50 * 3, 2),
                    "p99_ms": round(p50 * 6, 2),
                    "error_rate": round(rng.random() * 0.01, 5),
                    "window_start": start,
                    "window_end": end,
                }
            )
            if func.kind == "route":
                route = f"{ROUTE_VERBS[func.seed % 3]} /{module.service}/{func.name.replace('_', '-')}"
                endpoints.append(
                    {
                        "service": module.service,
                        "route": route,
                        "requests": int(rate * 60),
                        "requests_per_min": rate,
                        "p50_ms": p50 * 4,
                        "p95_ms": p50 * 12,
                        "p99_ms": p50 * 24,
                        "error_rate": round(rng.random() * 0.005, 5),
                    }
                )
                links.append(
                    {"service": module.service, "qualname": qualname, "route": route, "calls": int(rate * 60)}
                )
    edges = _edges(modules, rng)
    slos = [
        {
            "name": f"{service}-availability",
            "service": service,
            "indicator": "availability",
            "objective": 0.999,
            "window": "28d",
            "window_kind": "rolling",
            "budget_remaining": round(rng.uniform(0.1, 0.95), 3),
        }
        for service in services
    ]
    return {
        "functions": functions,
        "endpoints": endpoints,
        "function_endpoints": links,
        "edges": edges,
        "slos": slos,
    }


def _edges(modules: list[Module], rng: random.Random) -> list[dict[str, Any]]:
    pairs = sorted({(m.service, i.service) for m in modules for i in m.imports if i.service != m.service})
    rows = []
    for caller, callee in pairs:
        rate = round(rng.lognormvariate(5.0, 1.2), 2)
        p50 = round(rng.lognormvariate(2.0, 0.6), 2)
        rows.append(
            {
                "caller_service": caller,
                "callee_service": callee,
                "calls": int(rate * 60),
                "calls_per_min": rate,
                "calls_per_caller_request": round(rng.uniform(0.05, 2.0), 3),
                "p50_ms": p50,
                "p99_ms": round(p50 * 5, 2),
                "error_rate": round(rng.random() * 0.003, 5),
            }
        )
    return rows

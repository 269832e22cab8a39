"""Run the shop with a real fault in one function, and measure it.

    SHOP_FAULT="shop.currency:convert:error=0.2" python inject.py currency --port 8080 --traces t.jsonl

A service started through this file (`python inject.py NAME --port N --traces FILE`,
the arguments of `python -m shop.serve`) imports its modules, wraps each function
SHOP_FAULT names in every module it loaded that has it, then serves as `shop.serve`
does. SHOP_FAULT is `MODULE:FUNCTION:error=F[,sleep=S]` (F: share of calls that raise,
S: seconds added to every call; several faults separated by `;`). No source file
changes: the line numbers in the committed telemetry stay right.

`measure` starts the whole shop that way, drives it with load.py's shoppers (timing
every request), stops it and reads every service's server spans.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # the shop package and load.py, also when this file is loaded by path
import load  # noqa: E402
from shop import SERVICES  # noqa: E402

FAULT_ENV = "SHOP_FAULT"
SEED_ENV = "SHOP_FAULT_SEED"
"""Seed of the faulty calls' draws (each process)."""


@dataclass(frozen=True, slots=True)
class Injection:
    """A fault wrapped around one function: `module:function:error=F,sleep=S`."""

    module: str
    function: str
    error: float = 0.0
    """Share of calls that raise."""
    sleep: float = 0.0
    """Seconds added to every call."""


class InjectedFault(RuntimeError):
    """What a faulty function raises."""


def parse_faults(text: str) -> tuple[Injection, ...]:
    """`shop.currency:convert:error=0.2;shop.money:from_float:sleep=0.05` -> injections."""
    found = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        module, _, rest = part.partition(":")
        function, _, kinds = rest.partition(":")
        values = dict(kind.partition("=")[::2] for kind in kinds.split(",") if kind)
        if not module or not function or not values or set(values) - {"error", "sleep"}:
            raise ValueError(f"{FAULT_ENV}={text!r}: expected MODULE:FUNCTION:error=F[,sleep=S]")
        found.append(
            Injection(module, function, float(values.get("error", 0)), float(values.get("sleep", 0)))
        )
    return tuple(found)


def faulty(func: Callable[..., Any], injection: Injection, rng: random.Random) -> Callable[..., Any]:
    """func, slower by the injection's sleep and raising in its share of calls."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if injection.sleep:
            time.sleep(injection.sleep)
        if injection.error and rng.random() < injection.error:
            raise InjectedFault(f"injected fault in {injection.module}.{injection.function}")
        return func(*args, **kwargs)

    return wrapper


def install(text: str, modules: Mapping[str, ModuleType], seed: int = 0) -> list[str]:
    """Wrap each injection's function in its module, where this process loaded it; what was wrapped."""
    rng = random.Random(seed)
    wrapped = []
    for injection in parse_faults(text):
        module = modules.get(injection.module)
        if module is None:
            continue  # this service never loads the module: nothing of it runs here
        original = getattr(module, injection.function)
        setattr(module, injection.function, faulty(original, injection, rng))
        wrapped.append(f"{injection.module}.{injection.function}")
    return wrapped


def serve(argv: list[str], environ: Mapping[str, str]) -> int:
    """`python -m shop.serve NAME ...` with the faults of SHOP_FAULT."""
    from shop import serve as server

    importlib.import_module(f"shop.{argv[0]}")  # the service's modules, as shop.serve loads them
    install(environ.get(FAULT_ENV, ""), sys.modules, seed=int(environ.get(SEED_ENV, "0")))
    return server.main(argv)


# --- running the shop and measuring it ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: its route, status (0: no answer) and duration."""

    route: str
    status: int
    ms: float


def start(
    output: Path, fault: str, services: Sequence[str] = SERVICES, seed: int = 0
) -> tuple[dict[str, str], list[subprocess.Popen[str]]]:
    """Start the services (through `serve`, with the fault), as `load.start` does; addresses, processes."""
    (output / "traces").mkdir(parents=True, exist_ok=True)
    ports = load.free_ports(len(services))
    addresses = {name: f"127.0.0.1:{port}" for name, port in zip(services, ports, strict=True)}
    env = {**os.environ, "SHOP_ADDRESSES": json.dumps(addresses), "PYTHONPATH": str(ROOT)}
    env.update({FAULT_ENV: fault, SEED_ENV: str(seed)})
    env.pop("OTEL_TRACES_EXPORTER", None)
    processes = []
    for name in services:
        command = [sys.executable, str(Path(__file__).resolve()), name]
        command += [
            "--port",
            addresses[name].split(":")[1],
            "--traces",
            str(output / "traces" / f"{name}.jsonl"),
        ]
        processes.append(
            subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        )
    for name, process in zip(services, processes, strict=True):
        assert process.stdout is not None
        if "listening" not in process.stdout.readline():
            load.stop(processes)
            raise RuntimeError(f"{name} did not start with {FAULT_ENV}={fault!r} (exit {process.poll()})")
    return addresses, processes


class TimedUser(load.User):
    """A shopper of load.py that times every request and survives one that gets no answer."""

    def __init__(self, base: str, number: int, rng: random.Random, samples: list[Sample]) -> None:
        super().__init__(base, number, rng)
        self.samples = samples

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        began = time.perf_counter()
        try:
            status = super().request(method, path, body)
        except OSError:  # a timeout or a refused connection: the shopper got no page
            status = 0
        route = "/product/{id}" if path.startswith("/product/") else path
        self.samples.append(Sample(f"{method} {route}", status, (time.perf_counter() - began) * 1000))
        return status


def drive(base: str, seconds: float, users: int, rate: float, seed: int) -> list[Sample]:
    """load.py's request mix for some seconds; every request the shoppers made."""
    samples: list[Sample] = []
    deadline = time.monotonic() + seconds
    names, weights = zip(*load.MIX, strict=True)

    def shopper(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        user, interval = TimedUser(base, number, rng, samples), users / rate
        first = ["index", "checkout", "view_cart"] if number == 0 else ["index"]
        while time.monotonic() < deadline:
            began = time.monotonic()
            getattr(user, first.pop(0) if first else rng.choices(names, weights)[0])()
            time.sleep(max(0.0, interval * rng.uniform(0.5, 1.5) - (time.monotonic() - began)))

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def server_spans(traces: Path) -> dict[str, list[Sample]]:
    """Every service's server spans (OTLP JSON Lines) as samples: route, HTTP status, duration."""
    found: dict[str, list[Sample]] = {}
    for path in sorted(traces.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for resource in json.loads(line)["resourceSpans"]:
                names = [a for a in resource["resource"]["attributes"] if a["key"] == "service.name"]
                service = names[0]["value"]["stringValue"]
                for scope in resource["scopeSpans"]:
                    for span in scope["spans"]:
                        if span.get("kind") != 2:  # SPAN_KIND_SERVER
                            continue
                        values = {a["key"]: a["value"] for a in span.get("attributes", [])}
                        status = int(values.get("http.response.status_code", {}).get("intValue", 0))
                        ms = (int(span["endTimeUnixNano"]) - int(span["startTimeUnixNano"])) / 1e6
                        found.setdefault(service, []).append(Sample(span["name"], status, ms))
    return found


@dataclass(frozen=True, slots=True)
class Run:
    """One run of the shop: what the shoppers saw and what every service served."""

    fault: str
    shoppers: list[Sample]
    services: dict[str, list[Sample]]
    seconds: float
    """Wall clock of the load."""


def measure(fault: str, output: Path, seconds: float, users: int, rate: float, seed: int) -> Run:
    """Start the shop with the fault, drive it, stop it, read its spans."""
    addresses, processes = start(output, fault, seed=seed)
    began = time.monotonic()
    try:
        shoppers = drive(f"http://{addresses['frontend']}", seconds, users, rate, seed)
    finally:
        took = time.monotonic() - began
        load.stop(processes)
    return Run(fault, shoppers, server_spans(output / "traces"), took)


@dataclass(frozen=True, slots=True)
class Stats:
    """Requests, error rate (5xx or no answer) and latency percentiles of some samples."""

    requests: int
    error_rate: float
    p50: float
    p90: float
    p99: float


def stats(samples: Sequence[Sample]) -> Stats | None:
    """None without samples."""
    import numpy as np

    if not samples:
        return None
    ms = np.array([s.ms for s in samples])
    errors = sum(1 for s in samples if s.status >= 500 or s.status == 0)
    p50, p90, p99 = (float(v) for v in np.percentile(ms, (50, 90, 99)))
    return Stats(len(samples), errors / len(samples), p50, p90, p99)


if __name__ == "__main__":
    raise SystemExit(serve(sys.argv[1:], os.environ))

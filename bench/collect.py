"""Speed and memory of reading OTLP JSON traces into the snapshot's span tables.

Usage (from the repository root):
    python -m bench.collect [--spans 1000000] [--output DIR] [--report FILE]

Generates OTLP JSON Lines as the collector's file exporter writes them (several services,
traces of 10 server/internal/client spans with code attributes, 100 spans per line), then
times, each in a fresh child process so peak RSS is per phase:
  (a) parse:   orjson.loads of every line and nothing else (the floor);
  (b) adapter: otlp.ADAPTER.read into a sink that drops the spans;
  (c) full:    otlp.ADAPTER.read into a SpanAggregator, then .tables().
for 100k spans and for each --spans count (default 1M), and writes bench/results/collect.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

TRACES_PER_LINE = 10
SPANS_PER_TRACE = 10
ROUTES = ("/cart/{id}", "/orders", "/orders/{id}", "/search", "/users/{id}/profile")


def _attrs(**values: str | int) -> list[dict[str, Any]]:
    return [
        {
            "key": key.replace("_", "."),
            "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v},
        }
        for key, v in values.items()
    ]


def _code(service: str, name: str, line: int) -> list[dict[str, Any]]:
    return [
        {"key": "code.function.name", "value": {"stringValue": f"{service}.handlers.{name}"}},
        {"key": "code.file.path", "value": {"stringValue": f"/srv/{service}/handlers.py"}},
        {"key": "code.line.number", "value": {"intValue": str(line)}},
    ]


def _trace(rng: random.Random, start: int) -> list[tuple[str, dict[str, Any]]]:
    """One request: gateway -> orders -> payments, orders -> inventory (uninstrumented); 10 spans."""
    trace_id = f"{rng.getrandbits(128):032x}"
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(SPANS_PER_TRACE)]
    route = rng.choice(ROUTES)
    failed = rng.random() < 0.02

    def span(i: int, parent: int | None, name: str, kind: int, offset_us: int, duration_us: int,
             attributes: list[dict[str, Any]], error: bool = False) -> dict[str, Any]:  # fmt: skip
        out: dict[str, Any] = {
            "traceId": trace_id,
            "spanId": ids[i],
            "parentSpanId": ids[parent] if parent is not None else "",
            "flags": 257,
            "name": name,
            "kind": kind,
            "startTimeUnixNano": str(start + offset_us * 1000),
            "endTimeUnixNano": str(start + (offset_us + duration_us) * 1000),
            "attributes": attributes,
            "status": {"code": 2, "message": "boom"} if error else {},
        }
        return out

    jitter = rng.randint(0, 5000)
    server = _attrs(http_request_method="GET", http_route=route, url_path=route.replace("{id}", str(jitter)),
                    url_scheme="https", http_response_status_code=500 if failed else 200,
                    user_agent_original="Mozilla/5.0 (X11; Linux x86_64)", server_address="shop.example.com")  # fmt: skip
    client = _attrs(http_request_method="POST", server_address="orders", server_port=8080,
                    url_full="http://orders:8080/orders", http_response_status_code=200)  # fmt: skip
    return [
        ("gateway", span(0, None, f"GET {route}", 2, 0, 9000 + jitter, server, failed)),
        ("gateway", span(1, 0, "authenticate", 1, 50, 400, _code("gateway", "authenticate", 12))),
        ("gateway", span(2, 0, "POST", 3, 500, 8000 + jitter, client)),
        ("orders", span(3, 2, "POST /orders", 2, 600, 7800 + jitter, _attrs(http_request_method="POST", http_route="/orders"))),
        ("orders", span(4, 3, "create_order", 1, 650, 7500 + jitter, _code("orders", "create_order", 40), failed)),
        ("orders", span(5, 4, "price_items", 1, 700, 900, _code("orders", "price_items", 88))),
        ("orders", span(6, 4, "POST", 3, 1700, 5000 + jitter, _attrs(server_address="payments", http_request_method="POST"))),
        ("payments", span(7, 6, "POST /charge", 2, 1800, 4800 + jitter, _attrs(http_request_method="POST", http_route="/charge"))),
        ("payments", span(8, 7, "charge_card", 1, 1850, 4500 + jitter, _code("payments", "charge_card", 21))),
        ("orders", span(9, 4, "GET", 3, 7000, 600, _attrs(peer_service="inventory", server_address="inventory"))),
    ]  # fmt: skip


def generate(path: Path, spans: int, seed: int = 1) -> None:
    """Write about `spans` spans of OTLP JSON Lines to path (100 spans per line)."""
    rng = random.Random(seed)
    start = 1_700_000_000 * 10**9
    lines = spans // (TRACES_PER_LINE * SPANS_PER_TRACE)
    with path.open("wb") as out:
        for _ in range(lines):
            by_service: dict[str, list[dict[str, Any]]] = {}
            for _ in range(TRACES_PER_LINE):
                start += rng.randint(1, 4) * 1_000_000  # ~400 requests/s
                for service, span in _trace(rng, start):
                    by_service.setdefault(service, []).append(span)
            document = {
                "resourceSpans": [
                    {
                        "resource": {"attributes": _attrs(service_name=service, service_version="1.4.2",
                                                          host_name=f"{service}-7d9f", telemetry_sdk_language="python")},
                        "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.flask", "version": "0.48b0"},
                                        "spans": items}],
                    }
                    for service, items in by_service.items()
                ]
            }  # fmt: skip
            out.write(orjson.dumps(document) + b"\n")


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class _DropSink:
    def span(self, span: object) -> None:
        pass

    def row(self, table: str, row: dict[str, Any]) -> None:
        pass


def run_phase(phase: str, path: Path) -> dict[str, Any]:
    """Run one phase in this process and return its wall time and peak RSS."""
    # Imported per phase so the parse phase's peak RSS is orjson's alone.
    from preflight.runtime.adapters import otlp

    extra: dict[str, Any] = {}
    began = time.perf_counter()
    if phase == "parse":
        with path.open("rb") as handle:
            for line in handle:
                orjson.loads(line)
    elif phase == "adapter":
        extra["rows_read"] = otlp.ADAPTER.read(path, _DropSink()).rows_read
    elif phase == "collect":
        import resource

        from preflight.cli import main as preflight

        with tempfile.TemporaryDirectory() as scratch:
            # The whole command as a user runs it: imports, every core, Parquet files, meta.json.
            began = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):  # stdout carries this phase's JSON
                code = preflight(["collect", str(path), "--output", str(Path(scratch) / "snapshot")])
            seconds = time.perf_counter() - began
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return {"seconds": seconds, "peak_rss_mb": max(_peak_rss_mb(), workers), "exit": code}
    else:
        from preflight.runtime.spans import SpanAggregator

        began = time.perf_counter()  # pandas' import is not part of the measurement
        aggregator = SpanAggregator()

        class Sink(_DropSink):
            span = aggregator.add  # type: ignore[assignment]

        extra["rows_read"] = otlp.ADAPTER.read(path, Sink()).rows_read
        read_s = time.perf_counter() - began
        tables = aggregator.tables()
        extra.update(read_s=read_s, rows={name: len(frame) for name, frame in tables.items()})
    return {"seconds": time.perf_counter() - began, "peak_rss_mb": _peak_rss_mb(), **extra}


def _child(phase: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.collect", "--phase", phase, "--input", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measure(spans: int, directory: Path) -> dict[str, Any]:
    """Generate a file of `spans` spans and run every phase on it in a child process."""
    path = directory / f"otlp-{spans}.jsonl"
    if not path.exists():
        generate(path, spans)
    phases = {phase: _child(phase, path) for phase in ("parse", "adapter", "full", "collect")}
    return {"spans": spans, "mb": path.stat().st_size / 1e6, **phases}


def render(results: list[dict[str, Any]]) -> str:
    """The Markdown report."""
    lines = [
        "# `preflight collect`: OTLP JSON reading speed and memory",
        "",
        "Generated by `python -m bench.collect`. Input: OTLP JSON Lines as the collector's file exporter writes",
        f"them ({TRACES_PER_LINE * SPANS_PER_TRACE} spans per line; traces of {SPANS_PER_TRACE} server/internal/"
        "client spans over 4 services, code attributes on internal spans).",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.",
        "Each phase runs in a fresh child process; peak RSS is that process's VmHWM (includes the interpreter",
        "and imports: pandas for the full phase).",
        "",
        "(d) is the whole `preflight collect FILE --output DIR` command in one process (imports, parallel",
        "readers on every core for large JSON Lines files, Parquet and meta.json); its peak RSS is the largest",
        "of that process and its reader processes.",
        "",
        "| spans | file MB | (a) orjson only s | (b) adapter s | (c) adapter + aggregator + tables s, one core"
        " | (c)/(a) | (d) `preflight collect` s | spans/s (d) | (d)/(a) | peak RSS (a) MB | peak RSS (c) MB"
        " | peak RSS (d) MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        parse, adapter, full = r["parse"]["seconds"], r["adapter"]["seconds"], r["full"]["seconds"]
        command = r["collect"]["seconds"]
        lines.append(
            f"| {r['spans']:,} | {r['mb']:.0f} | {parse:.2f} | {adapter:.2f} | {full:.2f} | {full / parse:.2f}x | "
            f"{command:.2f} | {r['spans'] / command:,.0f} | {command / parse:.2f}x | "
            f"{r['parse']['peak_rss_mb']:.0f} | {r['full']['peak_rss_mb']:.0f} | {r['collect']['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "Rows produced: " + ", ".join(f"{k} {v}" for k, v in results[-1]["full"]["rows"].items()),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--spans", default="1000000", help="span count(s), comma-separated; 100000 is always run too"
    )
    parser.add_argument("--output", type=Path, help="directory for the generated files (default: a temp dir)")
    parser.add_argument("--report", type=Path, default=Path("bench/results/collect.md"))
    parser.add_argument("--phase", choices=("parse", "adapter", "full", "collect"), help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.input)))
        return 0
    sizes = sorted({100_000, *(int(n) for n in args.spans.split(","))})
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.output or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        results = []
        for spans in sizes:
            results.append(measure(spans, directory))
            print(json.dumps(results[-1]), file=sys.stderr)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(render(results))
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

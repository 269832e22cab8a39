"""Fuzz the config loader and every telemetry reader through the functions the CLI calls.

Usage (from the repository root):
    python -m bench.fuzz [--examples 2000] [--only config,otlp,...]

Each entry point gets --examples Hypothesis examples: `.preflight.yml` texts built from the
config's own keys and hostile scalars (config.load_file, what `--config` calls), and
telemetry files made by mutating a valid file of each format (real OpenTelemetry SDK spans,
real cProfile output, py-spy folded stacks, a CSV table, OpenSLO and Sloth specs) through
`preflight.runtime.collect.collect`, what `preflight collect` calls. An outcome is fine when
the call returns or raises InputError naming the file; anything else is a crash, and a call
over SLOW_SECONDS is counted as a hang. Prints crashes and hangs per entry point, with one
example message each. tests/adversarial/test_fuzz_inputs.py runs the same checks, fewer.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import marshal
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight import config
from preflight.errors import InputError

SLOW_SECONDS = 10.0
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)

HOSTILE_SCALARS = (
    ".inf", "-.inf", ".nan", "0x1F", "0b11", "0o7", "1:30", "1.0e+400", "9" * 400, "!!int abc",
    "!!float x", "!!bool maybe", "010", "1_000", "yes", "off", "~", "''", '"x"', "[]", "{}", "-1",
    "2024-13-45", "!!timestamp x", "!!binary ===", "&a 1", "*a", "<<: *a", "? [a]", "!x y", "\t",
    "\x00", "\u202e", "0", "30", "0.5", "true", "blocking", "closed", "[a/**]", "{x: 1}",
)  # fmt: skip
CONFIG_KEYS = (
    "runtime", "snapshot", "paths", "map", "production", "non_production", "entry_points",
    "decorator", "kind", "services", "utilization", "calls", "calls_per_request", "mode",
    "timeout_ms", "retries", "fallback", "gate", "warn_above", "fail_above", "missing_runtime",
    "budget_tightening", "rules", "services", "override_label", "slos", "<<", "a", "b",
)  # fmt: skip
HOSTILE_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1.5, float(2**70), 10**23, 2**64 - 1, 300_000_000_000_000_000,
    "", "x", "²", "9" * 30, "a" * 5000, [], {}, [1], {"a": 1}, "\ud7ff", "10" + "0" * 23,
)  # fmt: skip


def config_texts() -> st.SearchStrategy[str]:
    """YAML-ish texts: nested keys of the config with hostile scalars, anchors and flow syntax."""
    scalar = st.sampled_from(HOSTILE_SCALARS) | st.text(max_size=8)
    key = st.sampled_from(CONFIG_KEYS)

    def block(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        entry = st.tuples(key, children).map(lambda kv: f"{kv[0]}:\n" + _indent(kv[1]))
        item = children.map(lambda text: "- " + _indent(text).lstrip())
        return st.lists(entry | item, min_size=1, max_size=4).map("".join)

    leaf = st.tuples(key, scalar).map(lambda kv: f"{kv[0]}: {kv[1]}\n")
    tree = st.recursive(leaf, block, max_leaves=12)
    deep = st.integers(1, 3000).map(lambda n: "gate: " + "[" * n + "]" * n + "\n")
    return tree | deep | st.text(max_size=60)


def _indent(text: str) -> str:
    return "".join("  " + line + "\n" for line in text.splitlines())


def check_config(directory: Path, text: str) -> str | None:
    """None when config.load_file returns or refuses with the file's name; else the crash."""
    path = directory / ".preflight.yml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    return _outcome(lambda: config.load_file(path), str(path))


def _outcome(call: Callable[[], object], name: str) -> str | None:
    try:
        call()
    except InputError as error:
        return None if name in str(error) else f"InputError without the file name: {error}"
    except Exception as error:  # what the CLI would turn into exit 3
        frame = traceback.extract_tb(error.__traceback__)[-1]
        return f"{type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}: {str(error)[:120]}"
    return None


# --- telemetry ---------------------------------------------------------------------------------


def _sdk_otlp() -> dict[str, Any]:
    """An OTLP JSON document of real SDK spans (server, internal with code attributes, client)."""
    import base64

    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("fuzz")
    code = {"code.function.name": "shop.cart.load", "code.file.path": "shop/cart.py", "code.line.number": 3}
    with (
        tracer.start_as_current_span("GET /cart", kind=SpanKind.SERVER, attributes={"http.route": "/cart"}),
        tracer.start_as_current_span("load", attributes=code),
        tracer.start_as_current_span("GET", kind=SpanKind.CLIENT, attributes={"peer.service": "stock"}),
    ):
        pass
    document: dict[str, Any] = MessageToDict(
        encode_spans(exporter.get_finished_spans()), use_integers_for_enums=True
    )
    for resource_spans in document["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                for name in ("traceId", "spanId", "parentSpanId"):
                    if name in span:
                        span[name] = base64.b64decode(span[name]).hex()
    return document


def _workload(n: int) -> list[str]:
    """Something to profile: Python functions calling Python functions."""
    return sorted(_label(i) for i in range(n))


def _label(i: int) -> str:
    return f"item-{i}"


def _cprofile() -> dict[Any, Any]:
    """The stats dict of a real cProfile run, as pstats.Stats.dump_stats writes it."""
    import pstats

    profile = cProfile.Profile()
    profile.runcall(_workload, 50)
    stats = pstats.Stats(profile)
    return dict(stats.stats)  # type: ignore[attr-defined]


ZIPKIN = [
    {"traceId": "a1b2", "id": "c3", "name": "get /cart", "kind": "SERVER", "timestamp": 1_700_000_000_000_000,
     "duration": 1500, "localEndpoint": {"serviceName": "shop"}, "tags": {"http.route": "/cart"}},
    {"traceId": "a1b2", "id": "d4", "parentId": "c3", "kind": "CLIENT", "timestamp": 1_700_000_000_000_100,
     "duration": 700, "localEndpoint": {"serviceName": "shop"}, "remoteEndpoint": {"serviceName": "stock"}},
]  # fmt: skip
JAEGER = {"data": [{"traceID": "a1b2", "processes": {"p1": {"serviceName": "shop"}}, "spans": [
    {"traceID": "a1b2", "spanID": "c3", "operationName": "GET /cart", "startTime": 1_700_000_000_000_000,
     "duration": 1500, "processID": "p1", "references": [],
     "tags": [{"key": "span.kind", "value": "server"}, {"key": "http.route", "value": "/cart"}]},
    {"traceID": "a1b2", "spanID": "d4", "operationName": "load", "startTime": 1_700_000_000_000_100,
     "duration": 700, "processID": "p1", "references": [{"refType": "CHILD_OF", "spanID": "c3"}],
     "tags": [{"key": "code.lineno", "value": "3"}]},
]}]}  # fmt: skip
FOLDED = "shop.main (shop/app.py:1);shop.cart.load (shop/cart.py:3) 7\nshop.main (shop/app.py:1) 2\n"
TABLE = "service,qualname,file_path,line,calls,calls_per_min,error_rate\nshop,shop.cart.load,shop/cart.py,3,10,1.5,0.01\n"
OPENSLO = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: cart
  annotations: {preflight.dev/budget-remaining: "0.5", preflight.dev/route: GET /cart}
spec:
  service: shop
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{target: 0.99, value: 300, op: lt}]
  indicator:
    metadata: {name: latency}
    spec: {thresholdMetric: {metricSource: {type: Prometheus, spec: {query: x_seconds}}}}
"""
SLOTH = """version: prometheus/v1
service: shop
slos:
  - name: requests
    objective: 99.9
    sli: {events: {error_query: errors, total_query: total}}
"""
TEXT_FORMATS = {"folded": FOLDED, "table": TABLE, "openslo": OPENSLO, "sloth": SLOTH}
JSON_FORMATS = ("otlp", "zipkin", "jaeger")
FORMATS = (*JSON_FORMATS, "pstats", *TEXT_FORMATS)


def _baseline(fmt: str) -> Any:
    if fmt == "otlp":
        return _sdk_otlp()
    if fmt == "pstats":
        return _cprofile()
    return {"zipkin": ZIPKIN, "jaeger": JAEGER}.get(fmt, TEXT_FORMATS.get(fmt))


def _mutate_tree(value: Any, data: st.DataObject) -> Any:
    """value with one leaf (or container) somewhere in it replaced by a hostile value."""
    if isinstance(value, (dict, list)) and value and data.draw(st.booleans()):
        keys = list(value) if isinstance(value, dict) else list(range(len(value)))
        key = data.draw(st.sampled_from(keys))
        copy: Any = dict(value) if isinstance(value, dict) else list(value)
        copy[key] = _mutate_tree(value[key], data)
        return copy
    return data.draw(st.sampled_from(HOSTILE_VALUES))


def _mutate_bytes(raw: bytes, data: st.DataObject) -> bytes:
    """raw with a few bytes replaced, inserted or cut."""
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw)))
        junk = data.draw(
            st.binary(max_size=6) | st.sampled_from([b"\xff", b"\xe9", b"\r", b"\x00", b"\xc2\xb2"])
        )
        cut = data.draw(st.integers(0, 3))
        raw = raw[:at] + junk + raw[at + cut :]
    return raw


def telemetry_bytes(fmt: str, baseline: Any, data: st.DataObject) -> bytes:
    """A file of format fmt: the valid baseline mutated in its structure, its bytes, or both."""
    if fmt in JSON_FORMATS:
        # json, not orjson: hostile integers go past 64 bits
        raw = json.dumps(_mutate_tree(baseline, data) if data.draw(st.booleans()) else baseline).encode()
    elif fmt == "pstats":
        stats = _mutate_tree(baseline, data) if data.draw(st.booleans()) else baseline
        try:
            raw = marshal.dumps(stats)
        except ValueError:
            raw = marshal.dumps(baseline)
    else:
        text = baseline
        if data.draw(st.booleans()):
            lines = text.splitlines(keepends=True)
            at = data.draw(st.integers(0, len(lines) - 1))
            token = data.draw(st.sampled_from(HOSTILE_SCALARS) | st.text(max_size=10))
            lines[at] = lines[at].rstrip("\n").rsplit(" ", 1)[0] + " " + token + "\n"
            text = "".join(lines)
        raw = text.encode("utf-8", errors="surrogatepass")
    return _mutate_bytes(raw, data) if data.draw(st.booleans()) else raw


def check_collect(directory: Path, fmt: str, raw: bytes, detect: bool) -> str | None:
    """None when collect (forced format or detection) returns or refuses naming the file."""
    from preflight.runtime import collect

    path = directory / f"input.{fmt}"
    path.write_bytes(raw)
    options = collect.CollectOptions(None if detect else fmt, "shop", 60.0)
    return _outcome(lambda: collect.collect([path], directory / "snapshot", options, None, NOW), str(path))


def run(examples: int, only: tuple[str, ...]) -> dict[str, tuple[int, int, int, str]]:
    """{entry point: (examples, crashes, hangs, first crash)}."""
    results = {}
    for name in only:
        with tempfile.TemporaryDirectory() as temp:
            results[name] = _fuzz_one(name, examples, Path(temp))
    return results


def _fuzz_one(name: str, examples: int, directory: Path) -> tuple[int, int, int, str]:
    """(examples, crashes, hangs, first crash) of one entry point."""
    counts: Counter[str] = Counter()
    first: list[str] = []
    fuzz = settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip

    def record(call: Callable[[], str | None]) -> None:
        started = time.monotonic()
        crash = call()
        counts["examples"] += 1
        counts["hangs"] += time.monotonic() - started > SLOW_SECONDS
        if crash is not None:
            counts["crashes"] += 1
            first.append(crash)

    if name == "config":

        @fuzz
        @given(config_texts())
        def one_config(text: str) -> None:
            record(lambda: check_config(directory, text))

        one_config()
    else:
        baseline = _baseline(name)

        @fuzz
        @given(st.data(), st.booleans())
        def one_file(data: st.DataObject, detect: bool) -> None:
            raw = telemetry_bytes(name, baseline, data)
            record(lambda: check_collect(directory, name, raw, detect))

        one_file()
    return counts["examples"], counts["crashes"], counts["hangs"], first[0] if first else ""


def main() -> None:
    """Run and print crash counts per entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000, help="Hypothesis examples per entry point")
    parser.add_argument("--only", default=",".join(("config", *FORMATS)), help="comma-separated entry points")
    args = parser.parse_args()
    started = time.monotonic()
    results = run(args.examples, tuple(args.only.split(",")))
    print(f"{'entry point':<12} {'examples':>8} {'crashes':>8} {'hangs':>6}  first crash")
    for name, (count, crashes, hangs, first) in results.items():
        print(f"{name:<12} {count:>8} {crashes:>8} {hangs:>6}  {first}")
    total = sum(r[0] for r in results.values())
    print(f"{total} examples in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

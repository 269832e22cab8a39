"""preflight.otel: real SDK spans written as OTLP JSON Lines and read back by `preflight collect`."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from preflight.cli import main
from preflight.otel import OtlpJsonLinesExporter, document
from preflight.runtime.adapters import otlp
from tests.conftest import commit
from tests.runtime.adapters.test_otlp import Collected, _collector_json, _run_shop


def test_the_exporter_writes_what_the_collector_writes(tmp_path: Path) -> None:
    spans = _run_shop()
    ours, theirs = tmp_path / "ours.jsonl", tmp_path / "collector.jsonl"
    exporter = OtlpJsonLinesExporter(ours)
    half = len(spans) // 2
    exporter.export(spans[:half])
    exporter.export(spans[half:])
    exporter.shutdown()
    assert exporter.force_flush()
    theirs.write_bytes(orjson.dumps(_collector_json(spans, hex_ids=True)) + b"\n")
    assert len(ours.read_text(encoding="utf-8").splitlines()) == 2
    read, expected = Collected(), Collected()
    report = otlp.ADAPTER.read(ours, read)
    otlp.ADAPTER.read(theirs, expected)
    assert report.rows_read == len(spans) and report.rejected == {}
    key = lambda span: span.span_id  # noqa: E731
    assert sorted(read.spans, key=key) == sorted(expected.spans, key=key)


def test_a_provider_exports_and_collect_reads_it(git_repo: Path, tmp_path: Path) -> None:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import SpanKind

    path = tmp_path / "traces.jsonl"
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(OtlpJsonLinesExporter(path)))
    tracer = provider.get_tracer("shop")
    route = {"http.request.method": "GET", "http.route": "/cart", "flags": (True, 2, 0.5)}
    load = {"code.function.name": "shop.cart.load"}
    with (
        tracer.start_as_current_span("GET /cart", kind=SpanKind.SERVER, attributes=route),
        tracer.start_as_current_span("load", attributes=load),
    ):
        pass
    provider.shutdown()
    assert document([])["resourceSpans"] == []
    snap = tmp_path / "snap"
    commit(git_repo, {"shop/cart.py": "def load():\n    pass\n"})
    assert main(["collect", str(path), "--output", str(snap), "--repo", str(git_repo)]) == 0
    meta = json.loads((snap / "meta.json").read_text(encoding="utf-8"))
    assert meta["services"] == ["shop"] and meta["rows"]["endpoints"] == 1

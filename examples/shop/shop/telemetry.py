"""OpenTelemetry set-up: a tracer per process, an OTLP JSON Lines file exporter, traced functions.

Spans are written as the OpenTelemetry collector's file exporter writes them: one
`{"resourceSpans": [...]}` document per exported batch, hex ids, integer enums,
encoded by the official OTLP encoder (opentelemetry-exporter-otlp-proto-common).
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

P = ParamSpec("P")
R = TypeVar("R")

ROOT = Path(__file__).resolve().parent.parent
"""The example's root: code paths are reported relative to it, under DEPLOYED."""
DEPLOYED = "/srv/shop/"
"""Where the services run in "production" (the container path; `.preflight.yml` maps it back)."""


def deployed_path(filename: str) -> str:
    """The path a deployed service reports for one of its source files."""
    path = Path(filename).resolve()
    try:
        return DEPLOYED + path.relative_to(ROOT).as_posix()
    except ValueError:
        return filename  # the standard library and site-packages keep their own paths


class JsonLinesExporter(SpanExporter):
    """Appends each batch as one OTLP JSON document on its own line."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Encode with the official OTLP encoder; ids as hex and enums as integers, like the collector."""
        document: dict[str, Any] = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
        for resource_spans in document["resourceSpans"]:
            for scope_spans in resource_spans["scopeSpans"]:
                for span in scope_spans["spans"]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in span:
                            span[key] = base64.b64decode(span[key]).hex()
        line = json.dumps(document, separators=(",", ":")) + "\n"
        with self._lock, self._path.open("a", encoding="utf-8") as handle:
            handle.write(line)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        """Nothing to release: every export opens and closes the file."""


def setup(service: str, traces: Path) -> TracerProvider:
    """Install the process's tracer provider for one service, exporting to traces."""
    resource = Resource.create({"service.name": service, "service.namespace": "shop"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(JsonLinesExporter(traces), schedule_delay_millis=500))
    trace.set_tracer_provider(provider)
    return provider


def tracer() -> trace.Tracer:
    """The shop's tracer (a no-op one until setup runs)."""
    return trace.get_tracer("shop")


def code_attributes(func: Callable[..., Any]) -> dict[str, str | int]:
    """OpenTelemetry code attributes (semantic conventions 1.30+) of a Python function."""
    code = func.__code__
    return {
        "code.function.name": f"{func.__module__}.{func.__qualname__}",
        "code.file.path": deployed_path(code.co_filename),
        "code.line.number": code.co_firstlineno,
    }


def traced(func: Callable[P, R]) -> Callable[P, R]:
    """Run func inside an internal span named after it; an exception marks the span ERROR."""
    attributes = code_attributes(func)
    name = func.__qualname__

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with tracer().start_as_current_span(name, attributes=attributes):
            return func(*args, **kwargs)

    return wrapper

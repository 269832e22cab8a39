"""Write OTLP JSON from a Python service without a collector: a span exporter for the SDK.

    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from preflight.otel import OtlpJsonLinesExporter
    provider.add_span_processor(BatchSpanProcessor(OtlpJsonLinesExporter("traces.jsonl")))

Each export appends one `{"resourceSpans": [...]}` line, as the collector's file exporter
writes (hex ids, string times, integer enums), so `preflight collect traces.jsonl` reads it.
Only the user's process imports this module (it needs opentelemetry-sdk); preflight never does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, StatusCode

_KIND = {
    SpanKind.INTERNAL: 1,
    SpanKind.SERVER: 2,
    SpanKind.CLIENT: 3,
    SpanKind.PRODUCER: 4,
    SpanKind.CONSUMER: 5,
}
_STATUS = {StatusCode.UNSET: 0, StatusCode.OK: 1, StatusCode.ERROR: 2}


class OtlpJsonLinesExporter(SpanExporter):
    """Appends each batch of spans to a file as one OTLP JSON line (the collector's file exporter format)."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Write the batch as one line; FAILURE when the file cannot be written."""
        line = json.dumps(document(spans), separators=(",", ":")) + "\n"
        try:
            with self._lock, self._path.open("a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        """Nothing to close: every export opens and closes the file."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Every export is already written."""
        return True


def document(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """One OTLP JSON traces document: spans grouped by resource, then by instrumentation scope."""
    resources: dict[int, tuple[Any, dict[tuple[str, str], list[dict[str, Any]]]]] = {}
    for span in spans:
        _, scopes = resources.setdefault(id(span.resource), (span.resource, {}))
        scope = span.instrumentation_scope
        key = (scope.name, scope.version or "") if scope is not None else ("", "")
        scopes.setdefault(key, []).append(_span(span))
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attributes(resource.attributes)},
                "scopeSpans": [
                    {"scope": {"name": name, "version": version}, "spans": items}
                    for (name, version), items in scopes.items()
                ],
            }
            for resource, scopes in resources.values()
        ]
    }


def _span(span: ReadableSpan) -> dict[str, Any]:
    context = span.context
    assert context is not None  # a finished SDK span always has one
    raw: dict[str, Any] = {
        "traceId": f"{context.trace_id:032x}",
        "spanId": f"{context.span_id:016x}",
        "name": span.name,
        "kind": _KIND.get(span.kind, 1),
        "startTimeUnixNano": str(span.start_time or 0),
        "endTimeUnixNano": str(span.end_time or 0),
        "attributes": _attributes(span.attributes or {}),
        "status": {"code": _STATUS[span.status.status_code]},
    }
    if span.parent is not None:
        raw["parentSpanId"] = f"{span.parent.span_id:016x}"
    return raw


def _attributes(attributes: Any) -> list[dict[str, Any]]:
    return [{"key": key, "value": _value(value)} for key, value in attributes.items()]


def _value(value: Any) -> dict[str, Any]:
    """An OTLP AnyValue (64-bit integers as strings, as the JSON mapping says)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [_value(item) for item in value]}}
    return {"stringValue": str(value)}

"""The telemetry formats: the Adapter protocol each format's module implements, and the registry of
them in detection order (the only registry)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from preflight.runtime.records import RecordSink, SourceReport


class Adapter(Protocol):
    """Reads one telemetry format."""

    name: str
    """Format name used by --format and in reports: otlp, jaeger, zipkin, console, pstats, folded, table, openslo, sloth."""

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the file looks like this format (head: its first 64 KiB)."""

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """Stream the file into the sink; count every row read and every row rejected (never raise on bad rows)."""


def registry(service: str | None = None, window_seconds: float | None = None) -> dict[str, Adapter]:
    """Every adapter by format name, in detection order: the strictest sniff first, folded stacks last."""
    from preflight.runtime import slos
    from preflight.runtime.adapters import console, folded, jaeger, otlp, pstats, tables, zipkin

    ordered: list[Adapter] = [
        otlp.ADAPTER,
        jaeger.ADAPTER,
        zipkin.ADAPTER,
        console.ADAPTER,
        slos.OpensloAdapter(),
        slos.SlothAdapter(),
        pstats.PstatsAdapter(service=service, window_seconds=window_seconds),
        tables.ADAPTER,
        folded.FoldedAdapter(service=service, window_seconds=window_seconds),
    ]
    return {adapter.name: adapter for adapter in ordered}

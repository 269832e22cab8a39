"""What adapters produce: spans for the aggregator, or finished table rows, plus counts.

A record type is a plain dataclass; rows are dicts keyed by the columns in schema.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(slots=True)
class Span:
    """One span from any tracing format, normalized (times in ns since the epoch)."""

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    name: str
    kind: str
    """server, client, internal, producer or consumer."""
    start_ns: int
    end_ns: int
    error: bool
    function: str | None = None
    """Qualified name: code.function.name, or code.namespace + '.' + code.function."""
    file_path: str | None = None
    line: int | None = None
    route: str | None = None
    """For server spans: 'METHOD /route' from http.request.method/http.method + http.route, or rpc.service/rpc.method."""
    peer_service: str | None = None
    """For client spans: peer.service, else server.address / net.peer.name."""
    host: str | None = None
    """Where the service ran: its resource's k8s.node.name, else host.name (the machine whose CPU it
    shares with whatever else runs there; a pod name or container id would not be shared)."""


@dataclass(slots=True)
class SourceReport:
    """What one input file gave: counted, with rejections by reason."""

    path: str
    format: str
    rows_read: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    window_start_ns: int | None = None
    window_end_ns: int | None = None

    def reject(self, reason: str, count: int = 1) -> None:
        """Count a row that could not be used, by a short reason ('missing span id')."""
        self.rejected[reason] += count

    def observe(self, start_ns: int, end_ns: int) -> None:
        """Widen the observed window."""
        if self.window_start_ns is None or start_ns < self.window_start_ns:
            self.window_start_ns = start_ns
        if self.window_end_ns is None or end_ns > self.window_end_ns:
            self.window_end_ns = end_ns


class RecordSink(Protocol):
    """Where adapters put what they read."""

    def span(self, span: Span) -> None:
        """A span, for the trace aggregator."""

    def row(self, table: str, row: dict[str, Any]) -> None:
        """A finished row of one of the tables in schema.TABLES."""

    # A sink may also have `progress(bytes_done: int) -> None`; streaming adapters call it
    # every few megabytes when it is there (collect uses it for its progress line).

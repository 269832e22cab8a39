"""runtime/records: the normalized Span and the per-file SourceReport."""

from __future__ import annotations

from preflight.runtime.records import SourceReport, Span


def test_reject_counts_by_reason() -> None:
    report = SourceReport("spans.json", "otlp")
    report.reject("missing span id")
    report.reject("missing span id", 2)
    report.reject("bad time")
    assert report.rejected == {"missing span id": 3, "bad time": 1}
    assert report.rows_read == 0


def test_observe_widens_the_window_only() -> None:
    report = SourceReport("spans.json", "otlp")
    assert (report.window_start_ns, report.window_end_ns) == (None, None)
    report.observe(100, 200)
    report.observe(150, 180)
    assert (report.window_start_ns, report.window_end_ns) == (100, 200)
    report.observe(50, 300)
    assert (report.window_start_ns, report.window_end_ns) == (50, 300)


def test_reports_do_not_share_their_counters() -> None:
    first, second = SourceReport("a", "otlp"), SourceReport("b", "otlp")
    first.reject("x")
    assert not second.rejected


def test_span_optional_fields_are_unknown_by_default() -> None:
    span = Span("t", "s", None, "cart", "GET /cart", "server", 1, 2, False)
    assert (span.function, span.file_path, span.line, span.route, span.peer_service) == (None,) * 5

"""OTLP protobuf: real SDK spans through the official encoder, one message or the collector's
length-prefixed stream, give exactly what the OTLP JSON route gives; damage is counted or refused."""

from __future__ import annotations

import datetime
import re
import struct
import sys
from pathlib import Path

import orjson
import pytest
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan

from preflight.cli import main
from preflight.errors import InputError
from preflight.runtime import snapshot
from preflight.runtime.adapters import otlpproto, registry, tracejson
from preflight.runtime.adapters.otlp import ADAPTER
from preflight.runtime.collect import CollectOptions, collect, detect
from preflight.runtime.records import SourceReport, Span
from tests.conftest import commit
from tests.runtime.adapters.test_otlp import Collected, _collector_json, _run_shop

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def repo(git_repo: Path) -> Path:
    commit(git_repo, {"shop/cart.py": "def load_cart(cart_id):\n    return cart_id\n"})
    return git_repo


@pytest.fixture(scope="module")
def shop_spans() -> list[ReadableSpan]:
    return _run_shop()


def _message(spans: list[ReadableSpan]) -> bytes:
    """One ExportTraceServiceRequest, as the OTLP/HTTP exporter posts it."""
    data: bytes = encode_spans(spans).SerializeToString()
    return data


def _framed(*messages: bytes) -> bytes:
    """The collector file exporter's `format: proto`: each message after its size, 4 bytes big-endian."""
    return b"".join(struct.pack(">I", len(message)) + message for message in messages)


def _read(path: Path) -> tuple[SourceReport, Collected]:
    sink = Collected()
    return ADAPTER.read(path, sink), sink


def _json_route(tmp_path: Path, spans: list[ReadableSpan]) -> list[Span]:
    path = tmp_path / "traces.jsonl"
    path.write_bytes(orjson.dumps(_collector_json(spans, hex_ids=True)) + b"\n")
    _, sink = _read(path)
    return sorted(sink.spans, key=lambda span: span.span_id)


def test_one_message_gives_the_spans_of_the_json_route(
    tmp_path: Path, shop_spans: list[ReadableSpan]
) -> None:
    path = tmp_path / "request.bin"
    path.write_bytes(_message(shop_spans))
    detected = detect(path, registry())
    assert detected is not None and detected.name == "otlp"

    report, sink = _read(path)

    assert (report.format, report.rows_read, report.rejected) == ("otlp-proto", len(shop_spans), {})
    assert report.window_start_ns == min(s.start_time for s in shop_spans if s.start_time)
    assert report.window_end_ns == max(s.end_time for s in shop_spans if s.end_time)
    assert sorted(sink.spans, key=lambda span: span.span_id) == _json_route(tmp_path, shop_spans)
    assert {span.function for span in sink.spans} >= {"checkout.pay.charge", "shop.cart.load_cart"}


def test_the_collectors_length_prefixed_stream(tmp_path: Path, shop_spans: list[ReadableSpan]) -> None:
    half = len(shop_spans) // 2
    path = tmp_path / "traces.proto"
    path.write_bytes(_framed(_message(shop_spans[:half]), _message(shop_spans[half:])))
    detected = detect(path, registry())
    assert detected is not None and detected.name == "otlp"

    report, sink = _read(path)

    assert (report.format, report.rows_read, report.rejected) == ("otlp-proto", len(shop_spans), {})
    assert sorted(sink.spans, key=lambda span: span.span_id) == _json_route(tmp_path, shop_spans)


def test_a_snapshot_from_protobuf_equals_the_one_from_json(
    tmp_path: Path, shop_spans: list[ReadableSpan]
) -> None:
    proto = tmp_path / "proto" / "traces.bin"
    proto.parent.mkdir()
    proto.write_bytes(_framed(_message(shop_spans)))
    json_lines = tmp_path / "json" / "traces.jsonl"
    json_lines.parent.mkdir()
    json_lines.write_bytes(orjson.dumps(_collector_json(shop_spans, hex_ids=True)) + b"\n")

    from_proto = collect([proto], tmp_path / "a", CollectOptions(), None, NOW)
    from_json = collect([json_lines], tmp_path / "b", CollectOptions(), None, NOW)

    assert [s["format"] for s in from_proto["sources"]] == ["otlp-proto"]
    assert from_proto["rows"] == from_json["rows"] and from_proto["rows"]["functions"] > 0
    a, b = snapshot.read(tmp_path / "a"), snapshot.read(tmp_path / "b")
    for name in a.tables:
        assert a.table(name).equals(b.table(name)), name


def test_a_stream_keeps_what_decodes_and_counts_the_damage(
    tmp_path: Path, shop_spans: list[ReadableSpan]
) -> None:
    good = _message(shop_spans[:5])
    damaged = b"\x0a\x05\x12\xff\xff\xff\xff"  # resource_spans whose scope_spans claims more than there is
    path = tmp_path / "traces.proto"
    path.write_bytes(_framed(good, damaged) + struct.pack(">I", 1000) + good[:10])

    report, sink = _read(path)

    assert len(sink.spans) == 5
    assert report.rows_read == 7
    assert report.rejected == {"invalid protobuf message": 1, "truncated message": 1}


@pytest.mark.parametrize("cut", ["truncated", "garbage"])
def test_a_message_that_does_not_decode_is_refused_naming_the_file(
    tmp_path: Path, shop_spans: list[ReadableSpan], cut: str
) -> None:
    whole = _message(shop_spans)
    # The file ends 7 bytes early, or bytes after the first span are overwritten.
    data = whole[:-7] if cut == "truncated" else whole[:300] + b"\xff" * (len(whole) - 300)
    path = tmp_path / "request.bin"
    path.write_bytes(data)
    assert detect(path, registry()) is ADAPTER
    with pytest.raises(
        InputError, match=f"^{re.escape(str(path))}: format otlp-proto, but it does not decode"
    ):
        _read(path)
    framed = tmp_path / "stream.proto"
    framed.write_bytes(_framed(whole)[: len(data) + 4] if cut == "truncated" else _framed(data))
    assert detect(framed, registry()) is ADAPTER
    with pytest.raises(
        InputError, match=f"^{re.escape(str(framed))}: format otlp-proto, but it does not decode"
    ):
        _read(framed)


def _field(tag: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field, written by hand."""
    size, head = len(payload), bytearray([tag])
    while size > 0x7F:
        head.append(size & 0x7F | 0x80)
        size >>= 7
    head.append(size)
    return bytes(head) + payload


def test_nesting_past_protobufs_limit_is_refused_not_a_crash(tmp_path: Path) -> None:
    value = _field(0x0A, b"x")  # AnyValue.string_value
    for _ in range(300):  # AnyValue.array_value.values[0], 300 deep
        value = _field(0x2A, _field(0x0A, value))
    attribute = _field(0x0A, b"code.file.path") + _field(0x12, value)
    span = _field(0x0A, b"\x01" * 16) + _field(0x12, b"\x02" * 8) + _field(0x4A, attribute)
    path = tmp_path / "deep.bin"
    path.write_bytes(_field(0x0A, _field(0x12, _field(0x12, span))))
    assert detect(path, registry()) is ADAPTER
    with pytest.raises(InputError, match="does not decode"):
        _read(path)


def test_protobuf_is_never_split_as_json_lines(tmp_path: Path) -> None:
    # A first resource_spans of 53 bytes: its size byte is "5", and then a newline (field 1's
    # tag), so the second "line" of the file is the JSON number 5.
    span = _field(0x0A, b"\x01" * 16) + _field(0x12, b"\x02" * 8) + _field(0x2A, b"n" * 17)
    resource_spans = _field(0x0A, b"") + _field(0x12, _field(0x12, span))
    data = _field(0x0A, resource_spans)
    assert data[:3] == b"\x0a5\x0a"
    path = tmp_path / "request.bin"
    path.write_bytes(data)
    assert otlpproto.sniff(data)
    assert not tracejson.is_json_lines(path)  # collect would read it in parallel, as JSON


def test_damaged_protobuf_is_exit_2_never_a_crash(
    repo: Path, tmp_path: Path, shop_spans: list[ReadableSpan], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "request.bin"
    path.write_bytes(_message(shop_spans)[:-7])
    assert main(["collect", str(path), "--output", str(tmp_path / "snap"), "--repo", str(repo)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: format otlp-proto, but it does not decode" in err
    assert "export it again" in err
    assert not (tmp_path / "snap").exists()

    good = tmp_path / "good.bin"
    good.write_bytes(_message(shop_spans))
    assert main(["collect", str(good), "--output", str(tmp_path / "snap"), "--repo", str(repo)]) == 0
    assert f"  otlp-proto {good}: 26 read, 0 rejected" in capsys.readouterr().out


def test_without_opentelemetry_proto_the_error_names_the_extra(
    tmp_path: Path, shop_spans: list[ReadableSpan], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "request.bin"
    path.write_bytes(_message(shop_spans))
    # None in sys.modules makes the import fail, as in an install without the package.
    monkeypatch.setitem(sys.modules, "opentelemetry.proto.collector.trace.v1.trace_service_pb2", None)
    with pytest.raises(InputError) as refused:
        _read(path)
    assert str(refused.value) == (
        f"{path}: format otlp-proto needs the opentelemetry-proto package, which this install does "
        "not have; install the [collect] extra: pip install 'preflight-risk-gate[collect]'"
    )


def _metrics() -> bytes:
    """A real SDK metrics export: protobuf as well, with the same first two levels as traces."""
    reader = InMemoryMetricReader()
    provider = MeterProvider(resource=Resource.create({"service.name": "shop"}), metric_readers=[reader])
    provider.get_meter("shop").create_counter("shop.requests").add(3, {"route": "/cart"})
    data = reader.get_metrics_data()
    assert data is not None
    provider.shutdown()
    encoded: bytes = encode_metrics(data).SerializeToString()
    return encoded


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(bytes(range(256)) * 64, id="binary"),
        pytest.param(b"\x0a" + bytes(range(256)) * 4, id="newline-then-binary"),
        pytest.param(b"\n" * 100, id="blank-lines"),
        pytest.param(b"\x00\x01garbage", id="short"),
        pytest.param(_metrics(), id="otlp-metrics"),
        pytest.param(_framed(_metrics()), id="otlp-metrics-stream"),
    ],
)
def test_binary_that_is_not_otlp_traces_stays_unrecognized(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(content)
    assert not otlpproto.sniff(content)
    assert detect(path, registry()) is None
    assert main(["collect", str(path), "--output", str(tmp_path / "snap"), "--repo", str(repo)]) == 2
    err = capsys.readouterr().err
    assert (
        f"{path}: no spans or rows ({path}: format not recognized, 0 read, rejected: unrecognized format 1)"
        in err
    )
    assert "export a supported format" in err


def test_sniff_decides_on_the_first_span(shop_spans: list[ReadableSpan]) -> None:
    data = _message(shop_spans)
    assert otlpproto.sniff(data)
    assert otlpproto.sniff(_framed(data, data)[:300])  # a head cut anywhere after the first span's id
    assert not otlpproto.sniff(data[:20])  # cut before any span: not enough to tell
    assert not otlpproto.sniff(b"")
    assert not otlpproto.sniff(b'{"resourceSpans": []}')


def test_attribute_values_and_odd_spans_as_the_json_route_reads_them(tmp_path: Path) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans
    from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan

    def span(span_id: bytes, **fields: object) -> ProtoSpan:
        values = {"trace_id": b"\x01" * 16, "span_id": span_id, "name": "op", "kind": 1,
                  "start_time_unix_nano": 1_700_000_000_000_000_000,
                  "end_time_unix_nano": 1_700_000_000_000_001_000} | fields  # fmt: skip
        return ProtoSpan(**values)  # type: ignore[arg-type]

    long = "x" * 5000
    attributes = [
        KeyValue(key="code.function.name", value=AnyValue(string_value="shop.cart.load")),
        KeyValue(key="code.line.number", value=AnyValue(int_value=12)),
        KeyValue(key="code.file.path", value=AnyValue(array_value=ArrayValue(values=[AnyValue(string_value="a")]))),
        KeyValue(key="peer.service", value=AnyValue(string_value=long)),
        KeyValue(key="not.wanted", value=AnyValue(bool_value=True)),
    ]  # fmt: skip
    spans = [
        span(b"\x02" * 8, attributes=attributes, kind=3),
        span(b"\x03" * 8, trace_id=b"\x00" * 16),
        span(b"\x04" * 8, trace_id=b"\x01" * 15),
        span(b"\x00" * 8),
        span(b"\x05" * 8, parent_span_id=b"\x00" * 8),
        span(b"\x06" * 8, end_time_unix_nano=0),
        span(b"\x07" * 8, end_time_unix_nano=1),
        span(b"\x08" * 8, kind=9),
        span(b"\x09" * 8, status={"code": 2}, kind=0),
    ]
    request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])])
    path = tmp_path / "odd.bin"
    path.write_bytes(request.SerializeToString())

    report, sink = _read(path)

    assert report.rows_read == 9
    assert report.rejected == {
        "missing service.name (kept as unknown_service)": 9,
        "missing trace id": 2,
        "missing span id": 1,
        "bad parent span id": 1,
        "bad timestamp": 1,
        "end before start": 1,
        "bad span kind": 1,
        "attribute value too large": 1,
    }
    client, internal = sink.spans
    assert (client.service, client.kind, client.function, client.line, client.file_path) == (
        "unknown_service", "client", "shop.cart.load", 12, None,
    )  # fmt: skip
    assert client.peer_service is None and not client.error
    assert (internal.kind, internal.error) == ("internal", True)

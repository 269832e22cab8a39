"""Issue 17 items 10 and 11: hostile config and telemetry files are refused or counted, never a crash.

Config problems are exit 2 with file and line. A telemetry file that cannot be read at all
(not UTF-8, broken CSV quoting, an alias bomb) is exit 2 naming the file and line; one bad
row (a span in year 31690708, a folded line number of 10^23) is counted as rejected, as the
adapters count every other bad row, and the snapshot is still written.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from preflight import config
from preflight.cli import main
from preflight.errors import InputError
from preflight.repository import Repository
from tests.conftest import commit, git

# --- item 10: config -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (".inf", "not a finite number"),
        ("-.Inf", "not a finite number"),
        (".nan", "not a finite number"),
        ("0x1F", "hexadecimal"),
        ("0b11", "binary"),
        ("1:30", "base 60"),
        ("1.0e+400", "too large"),
        ("9" * 400, "too large"),
        ("!!int abc", "not a number"),
        ("!!float abc", "not a number"),
        ("010", "octal 8"),
        ("1_000", "underscores"),
    ],
)
def test_config_numbers_are_plain_finite_decimals(value: str, says: str) -> None:
    text = f"gate:\n  mode: blocking\n  warn_above: {value}\n"
    with pytest.raises(InputError, match=r"c\.yml:3: `gate\.warn_above`") as error:
        config.parse(text, "c.yml")
    assert says in str(error.value)
    # the same scalar where a share or a count is read
    services = f"services:\n  a:\n    calls:\n      b:\n        timeout_ms: {value}\n"
    with pytest.raises(InputError, match=r"c\.yml:5: `services\.a\.calls\.b\.timeout_ms`"):
        config.parse(services, "c.yml")


def test_plain_decimal_numbers_still_work() -> None:
    text = "gate:\n  warn_above: 0\n  fail_above: 3.0e+1\nservices:\n  a:\n    utilization: .5\n"
    found = config.parse(text, "c.yml")
    assert (found.gate.warn_above, found.gate.fail_above, found.utilization) == (0, 30, (("a", 0.5),))


@pytest.mark.parametrize(
    ("value", "says"),
    [("!!bool maybe", "true or false"), ("yes", "YAML 1.1"), ("off", "YAML 1.1"), ("1", "true or false")],
)
def test_config_booleans_are_true_or_false(value: str, says: str) -> None:
    with pytest.raises(InputError, match=r"c\.yml:2: `gate\.budget_tightening`") as error:
        config.parse(f"gate:\n  budget_tightening: {value}\n", "c.yml")
    assert says in str(error.value)
    assert config.parse("gate:\n  budget_tightening: False\n", "c.yml").gate.budget_tightening is False


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("gate:\n  mode: blocking\ngate:\n  mode: advisory\n", 3),
        ("gate:\n  mode: blocking\n  mode: advisory\n", 3),
        ("services: {a: {utilization: 0.1}, a: {utilization: 0.2}}\n", 1),
    ],
)
def test_duplicate_keys_are_refused_with_both_lines(text: str, line: int) -> None:
    with pytest.raises(InputError, match=rf"c\.yml:{line}: key '\w+' appears twice"):
        config.parse(text, "c.yml")


@pytest.mark.parametrize(
    "text",
    [
        "gate: " + "[" * 5000 + "]" * 5000 + "\n",
        "gate: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
        "".join(f"{'  ' * i}k{i}:\n" for i in range(1500)),
    ],
    ids=["lists", "flow-maps", "block-maps"],
)
def test_deep_nesting_is_refused(text: str) -> None:
    with pytest.raises(InputError, match=r"c\.yml:\d+: nested more than 100 levels"):
        config.parse(text, "c.yml")


def test_alias_bomb_and_recursive_alias_in_config_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(InputError, match=r"c\.yml:\d+: aliases .* more than 100,000"):
        config.parse(bomb, "c.yml")
    with pytest.raises(InputError, match=r"c\.yml:1: .*alias \*r refers to the node that holds it"):
        config.parse("gate: &r {rules: *r}\n", "c.yml")


def test_a_small_alias_is_still_allowed() -> None:
    text = "services:\n  a:\n    calls:\n      b: &c {timeout_ms: 800}\n      d: *c\n"
    assert [c[2].timeout_ms for c in config.parse(text, "c.yml").calls] == [800, 800]


def test_fail_above_alone_derives_warn_above() -> None:
    assert (config.parse("gate:\n  fail_above: 30\n", "c.yml").gate.warn_above) == 30
    assert (config.parse("gate:\n  warn_above: 80\n", "c.yml").gate.fail_above) == 80
    gate = config.parse("gate:\n  fail_above: 90\n", "c.yml").gate
    assert (gate.warn_above, gate.fail_above) == (50, 90)
    with pytest.raises(InputError, match=r"`gate\.warn_above` \(40\) is above `gate\.fail_above` \(30\)"):
        config.parse("gate:\n  warn_above: 40\n  fail_above: 30\n", "c.yml")


def test_a_symlinked_config_says_it_is_a_symlink(git_repo: Path) -> None:
    (git_repo / "shared").mkdir()
    (git_repo / "shared" / "preflight.yml").write_text("gate:\n  mode: blocking\n", encoding="utf-8")
    (git_repo / ".preflight.yml").symlink_to("shared/preflight.yml")
    sha = commit(git_repo, {})
    assert git(git_repo, "ls-tree", sha, ".preflight.yml").startswith("120000")
    with Repository(git_repo) as repo, pytest.raises(InputError) as error:
        config.from_revision(repo, sha)
    message = str(error.value)
    assert f"{sha[:12]}:.preflight.yml" in message
    assert "symbolic link to 'shared/preflight.yml'" in message and "commit the file itself" in message


def test_a_top_level_list_says_what_it_is() -> None:
    with pytest.raises(InputError, match=r"c\.yml:1: the top level must be a mapping .* not a list"):
        config.parse("- gate\n", "c.yml")


# --- item 11: telemetry through `preflight collect` -------------------------------------------


@pytest.fixture
def no_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory that is no git checkout (collect then keeps telemetry names unresolved)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _collect_here(tmp_path: Path, source: Path, *options: str) -> tuple[int, str, str]:
    import contextlib
    import io

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["collect", str(source), "--output", str(tmp_path / "snapshot"), *options])
    return code, stdout.getvalue(), stderr.getvalue()


def test_non_utf8_csv_names_file_and_line(no_repo: Path) -> None:
    path = no_repo / "functions.csv"
    path.write_bytes(b"service,qualname,calls\nshop,shop.cart.load,3\nshop,caf\xe9.price,1\n")
    code, _, err = _collect_here(no_repo, path, "--format", "table")
    assert code == 2, err
    assert f"{path}:3: not UTF-8 text" in err and "save it as UTF-8" in err


def test_non_utf8_csv_header_is_refused_when_detected(no_repo: Path) -> None:
    path = no_repo / "functions.csv"
    path.write_bytes(b"service,qualname\xff,calls\nshop,a.b,3\n")
    code, _, err = _collect_here(no_repo, path, "--format", "table")
    assert code == 2 and f"{path}:1: not UTF-8 text" in err, err


def test_csv_error_names_file_and_line(no_repo: Path) -> None:
    path = no_repo / "functions.csv"
    path.write_bytes(b"service,qualname,calls\nshop,shop.a," + b"1" * 200_000 + b"\n")
    code, _, err = _collect_here(no_repo, path, "--format", "table")
    assert code == 2 and f"{path}:2: not valid CSV" in err, err


def test_csv_error_while_sniffing_is_not_a_crash(no_repo: Path) -> None:
    path = no_repo / "odd.txt"
    path.write_bytes(b"service,qual\rname,calls\nshop,a.b,3\n")  # csv.Error: new-line in unquoted field
    code, _, err = _collect_here(no_repo, path)
    # not a crash: a source that yields nothing is exit 2 naming it (issue 19), never exit 3
    assert code == 2, err
    assert "odd.txt" in err and "format not recognized" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"app.main (app.py:100000000000000000000000);app.f (app.py:3) 5\n", "bad line number 1"),
        (b"app.main (app.py:1);app.f (app.py:3) \xc2\xb2\n", "bad count 1"),
        (b"app.main (app.py:1) " + b"9" * 5000 + b"\n", "count too large 1"),
        (b"app.main (app.py:1) 3000000000000000000\n" * 2, "count too large 1"),
    ],
    ids=["line-1e23", "superscript-count", "5000-digit-count", "sum-past-int64"],
)
def test_folded_stack_bad_numbers_are_counted(no_repo: Path, line: bytes, reason: str) -> None:
    path = no_repo / "profile.folded"
    path.write_bytes(b"app.main (app.py:1);app.g (app.py:7) 2\n" + line)
    code, out, err = _collect_here(no_repo, path, "--format", "folded")
    assert code == 0, err
    assert reason in out


def _sdk_document() -> dict[str, Any]:
    """One real OTLP document: SDK spans through the official encoder, ids in hex as the collector writes."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("shop")
    with (
        tracer.start_as_current_span("GET /cart", kind=SpanKind.SERVER, attributes={"http.route": "/cart"}),
        tracer.start_as_current_span("load", attributes={"code.function.name": "shop.cart.load"}),
    ):
        pass
    document: dict[str, Any] = MessageToDict(
        encode_spans(exporter.get_finished_spans()), use_integers_for_enums=True
    )
    for resource_spans in document["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    return document


def test_otlp_resource_attributes_not_a_list(no_repo: Path) -> None:
    document = _sdk_document()
    document["resourceSpans"][0]["resource"]["attributes"] = True
    path = no_repo / "traces.jsonl"
    path.write_bytes(orjson.dumps(document) + b"\n")
    code, out, err = _collect_here(no_repo, path)
    assert code == 0, err
    assert "bad resource attributes 2" in out


def test_otlp_span_line_number_past_int64_is_dropped(no_repo: Path) -> None:
    document = _sdk_document()
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span["attributes"].append({"key": "code.line.number", "value": {"intValue": str(10**23)}})
    path = no_repo / "traces.jsonl"
    path.write_bytes(orjson.dumps(document) + b"\n")
    code, _, err = _collect_here(no_repo, path)
    assert code == 0, err


def test_otlp_span_after_year_9999_is_counted(no_repo: Path) -> None:
    document = _sdk_document()
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span["startTimeUnixNano"], span["endTimeUnixNano"] = str(10**23), str(10**23 + 5)
    path = no_repo / "traces.jsonl"
    path.write_bytes(orjson.dumps(document) + b"\n")
    code, out, err = _collect_here(no_repo, path)
    assert code == 0, err
    assert "timestamp after year 9999 1" in out


@pytest.mark.parametrize("fmt", ["zipkin", "jaeger"])
def test_zipkin_and_jaeger_spans_after_year_9999_are_counted(no_repo: Path, fmt: str) -> None:
    good, far = 1_700_000_000_000_000, 300_000_000_000_000_000  # microseconds: 2023 and year 11476
    if fmt == "zipkin":
        spans = [
            {
                "traceId": "a1",
                "id": f"b{i}",
                "timestamp": t,
                "duration": 5,
                "localEndpoint": {"serviceName": "s"},
                "tags": {"code.function": "handle", "code.namespace": "app.views"},
            }
            for i, t in enumerate((good, far))
        ]
        document: Any = spans
    else:
        spans = [
            {
                "traceID": "a1",
                "spanID": f"b{i}",
                "startTime": t,
                "duration": 5,
                "processID": "p1",
                "tags": [
                    {"key": "code.function", "type": "string", "value": "handle"},
                    {"key": "code.namespace", "type": "string", "value": "app.views"},
                ],
            }
            for i, t in enumerate((good, far))
        ]
        document = {"data": [{"traceID": "a1", "spans": spans, "processes": {"p1": {"serviceName": "s"}}}]}
    path = no_repo / f"{fmt}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    code, out, err = _collect_here(no_repo, path)
    assert code == 0, err
    assert "timestamp after year 9999 1" in out


def _bomb(levels: int) -> str:
    """The 750-byte billion laughs: each level lists the previous one nine times."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefghij", "bcdefghijk"[: levels - 1], strict=False):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines)


def test_openslo_alias_bomb_is_refused_quickly(no_repo: Path) -> None:
    sli = no_repo / "slo.yaml"
    sli.write_text(
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: checkout\nspec:\n  service: shop\n"
        "  timeWindow: [{duration: 28d, isRolling: true}]\n  objectives: [{target: 0.99, value: 300, op: lt}]\n"
        "  indicator:\n    metadata: {name: latency}\n    spec:\n      thresholdMetric:\n        metricSource:\n"
        + "\n".join("          " + line for line in _bomb(9).splitlines())
        + "\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    code, _, err = _collect_here(no_repo, sli)
    assert time.monotonic() - started < 10
    assert code == 2 and f"{sli}:" in err and "aliases" in err, err


def test_sloth_alias_bomb_is_refused(no_repo: Path) -> None:
    path = no_repo / "sloth.yaml"
    path.write_text(
        "version: prometheus/v1\nservice: shop\nlabels:\n"
        + "\n".join("  " + line for line in _bomb(9).splitlines())
        + "\nslos: []\n",
        encoding="utf-8",
    )
    code, _, err = _collect_here(no_repo, path)
    assert code == 2 and f"{path}:" in err and "aliases" in err, err


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("!!int abc", "is not a valid int"),
        ("!!bool maybe", "is not a valid bool"),
        ("1" * 5000, "is not a valid int"),
    ],
)
def test_openslo_bad_tagged_scalars_name_the_line(no_repo: Path, value: str, says: str) -> None:
    path = no_repo / "slo.yaml"
    path.write_text(
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: checkout\nspec:\n  service: shop\n"
        f"  timeWindow: [{{duration: 28d, isRolling: true}}]\n  objectives: [{{target: {value}}}]\n",
        encoding="utf-8",
    )
    code, _, err = _collect_here(no_repo, path)
    assert code == 2 and f"{path}:8:" in err and says in err, err


def test_openslo_huge_target_is_refused_not_a_crash(no_repo: Path) -> None:
    path = no_repo / "slo.yaml"
    path.write_text(
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: checkout\n  annotations:\n"
        f"    preflight.dev/budget-remaining: {'9' * 400}\nspec:\n  service: shop\n"
        "  timeWindow: [{duration: 28d, isRolling: true}]\n  objectives:\n    - target: 0.99\n"
        "  indicator:\n    metadata: {name: ok}\n    spec:\n      ratioMetric: {raw: {}}\n",
        encoding="utf-8",
    )
    code, _, err = _collect_here(no_repo, path)
    assert code == 2 and f"{path}:6:" in err, err


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("kind: SLO", "kind: [SLO]", 2),
        ("op: lt", "op: [lt]", 8),
        ("name: checkout", "name: !!timestamp x", 4),
    ],
    ids=["kind-list", "op-list", "bad-timestamp"],
)
def test_openslo_found_by_fuzzing(no_repo: Path, old: str, new: str, line: int) -> None:
    """Crashes bench/fuzz.py found on the code before issue 17 (TypeError, AttributeError)."""
    path = no_repo / "slo.yaml"
    text = (
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: checkout\nspec:\n  service: shop\n"
        "  timeWindow: [{duration: 28d, isRolling: true}]\n  objectives: [{target: 0.99, value: 300, op: lt}]\n"
        "  indicator:\n    metadata: {name: latency}\n    spec: {thresholdMetric: {metricSource: {type: P}}}\n"
    )
    path.write_text(text.replace(old, new), encoding="utf-8")
    code, _, err = _collect_here(no_repo, path, "--format", "openslo")
    assert code == 2 and f"{path}:{line}:" in err, err

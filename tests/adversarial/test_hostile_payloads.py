"""Issue 17 Measure: hostile values through every renderer, on a real repository and real telemetry.

A pull request author controls file paths, commit messages and author names; whoever writes
telemetry controls service, route and SLO names and the function names spans carry. Here one
real repository holds files named with hostile payloads (a newline and `::error`, HTML, a
mention, a link, bidi overrides, ESC, pipes, backticks, a very long name), its commits carry
hostile subjects and authors, and a snapshot is collected from real OpenTelemetry SDK spans and
an OpenSLO file whose services, routes and SLO names are hostile. Every output then has to hold
them inert: text, the hook's compact lines, Markdown, JSON, the HTML digest, the annotations and
step summary of `check --github`, and `publish`.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.propagators.textmap import default_getter, default_setter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from preflight.cli import main
from tests.adversarial.inert import PAYLOADS, markdown_injections, raw_controls, workflow_commands
from tests.conftest import GIT_ENV, git
from tests.sinks.conftest import APP_TOKEN, new_state
from tests.sinks.server import serve

FRONT = "front\n::error title=SVC::x <img src=https://evil.example/s.png> @acme/security-team"
"""The calling service's name, from telemetry."""
BACK = "pay\n# ments|`\u202e` [x](evil.example/p) <script>alert(1)</script> @octocat \x1b[2J"
"""The called service, where the changed function runs."""
ROUTE = "/x\n::warning::route <b>bold</b> @octocat |a|b|"
SLO = "slo\n::error::budget <script>alert(1)</script> ![i](https://evil.example/i.png) @team"
AUTHOR = "Mallory @acme/security-team <img src=x> ::error::a"
SUBJECT = "fix\u202e [approve](https://evil.example) @octocat <b>x</b> | a | b"


def _path(payload: str) -> str:
    """A file name holding payload: `/` would make directories, and a name has at most 255 bytes."""
    return "app/h_" + payload.replace("/", "%")[:200] + ".py"


HOSTILE_PATHS = tuple(_path(p) for p in PAYLOADS)


@dataclass
class World:
    """A repository with hostile names and a snapshot with hostile telemetry."""

    repo: Path
    snapshot: Path
    base: str
    head: str


def _commit(repo: Path, files: dict[str, str], message: str, author: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    env = {**GIT_ENV, "GIT_AUTHOR_NAME": author, "GIT_COMMITTER_NAME": author}
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, env=env, check=True)
    return git(repo, "rev-parse", "HEAD")


def _spans(qualname: str, front_name: str = FRONT, back_name: str = BACK) -> dict[str, object]:
    """Real SDK spans: FRONT calls BACK on ROUTE, where `qualname` runs; OTLP JSON as the collector writes."""
    exporter = InMemorySpanExporter()

    def tracer(service: str) -> Tracer:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return provider.get_tracer("hostile")

    front, back = tracer(front_name), tracer(back_name)
    propagator = TraceContextTextMapPropagator()
    route = {"http.request.method": "POST", "http.route": ROUTE, "url.path": "/x"}
    client = {"peer.service": back_name}
    for _ in range(20):
        with (
            front.start_as_current_span("GET /", kind=SpanKind.SERVER, attributes=route),
            front.start_as_current_span("call", kind=SpanKind.CLIENT, attributes=client),
        ):
            headers: dict[str, str] = {}
            propagator.inject(headers, setter=default_setter)
            context = propagator.extract(headers, getter=default_getter)
            with (
                back.start_as_current_span("POST", context, SpanKind.SERVER, attributes=route),
                back.start_as_current_span("total", attributes={"code.function.name": qualname}),
            ):
                pass
    document: dict[str, object] = MessageToDict(encode_spans(exporter.get_finished_spans()))
    return document


def _openslo() -> str:
    """An OpenSLO v1 SLO on BACK with a hostile name and route, as the shop example writes them."""
    source = {"type": "Prometheus", "spec": {"query": "sum(rate(x[5m]))"}}
    return yaml.safe_dump(
        {
            "apiVersion": "openslo/v1",
            "kind": "SLO",
            "metadata": {
                "name": SLO,
                "annotations": {
                    "preflight.dev/route": "POST " + ROUTE,
                    "preflight.dev/budget-remaining": "0.1",
                },
            },
            "spec": {
                "service": BACK,
                "indicator": {
                    "metadata": {"name": "errors"},
                    "spec": {
                        "ratioMetric": {
                            "counter": True,
                            "good": {"metricSource": source},
                            "total": {"metricSource": source},
                        }
                    },
                },
                "timeWindow": [{"duration": "28d", "isRolling": True}],
                "budgetingMethod": "Occurrences",
                "objectives": [{"displayName": "available", "target": 0.999}],
            },
        },
        allow_unicode=True,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("hostile")
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    files = {"app/__init__.py": "", "app/core.py": "def total(xs):\n    return sum(xs)\n"}
    base = _commit(repo, {**files, ".preflight.yml": "runtime:\n  snapshot: ../snapshot\n"}, "base", "Base")
    git(repo, "checkout", "-q", "-b", "feature")
    body = "def total(xs):\n    return sum(xs) + 1\n"
    head = _commit(repo, {"app/core.py": body, **{p: body for p in HOSTILE_PATHS}}, SUBJECT, AUTHOR)
    telemetry = root / "telemetry"
    telemetry.mkdir()
    (telemetry / "spans.json").write_text(json.dumps(_spans("app.core.total")), encoding="utf-8")
    (telemetry / "slo.yaml").write_text(_openslo(), encoding="utf-8")
    snapshot = root / "snapshot"
    code = main(
        [
            "collect",
            str(telemetry / "spans.json"),
            str(telemetry / "slo.yaml"),
            "--output",
            str(snapshot),
            "--repo",
            str(repo),
            "--revision",
            base,
        ]
    )
    assert code == 0
    return World(repo, snapshot, base, head)


def _check(world: World, fmt: str, out: Path, *extra: str) -> str:
    target = out / f"report.{fmt}"
    code = main(
        [
            "check",
            "--repo",
            str(world.repo),
            "--base",
            "main",
            "--head",
            "feature",
            "--snapshot",
            str(world.snapshot),
            "--format",
            fmt,
            "--output",
            str(target),
            *extra,
        ]
    )
    assert code in (0, 1)
    return target.read_text(encoding="utf-8")


def test_the_world_carries_the_payloads(world: World, tmp_path: Path) -> None:
    """Guard: the payloads really reach the report (else every other test passes vacuously)."""
    doc = json.loads(_check(world, "json", tmp_path))
    paths = {f["path"] for f in doc["functions"]}
    assert set(HOSTILE_PATHS) <= paths
    core = next(f for f in doc["functions"] if f["path"] == "app/core.py")
    assert core["service"] == BACK and [s["name"] for s in core["slos"]] == [SLO]
    assert any(ROUTE in endpoint for endpoint in core["endpoints"])
    assert doc["impact"] is not None and {s["service"] for s in doc["impact"]["services"]} >= {FRONT, BACK}


def test_json_keeps_every_value_exactly_and_stays_one_document(world: World, tmp_path: Path) -> None:
    text = _check(world, "json", tmp_path)
    assert json.loads(text)["head"] == world.head
    doc = json.loads(text)
    # machine output keeps every value exactly (a consumer escapes for its own medium) ...
    assert {f["path"] for f in doc["functions"]} >= set(HOSTILE_PATHS)
    # ... and JSON's own escaping keeps a newline or ESC from starting a line or a sequence
    assert workflow_commands(text) == [] and "\x1b" not in text


def test_markdown_comment_is_inert(world: World, tmp_path: Path) -> None:
    assert markdown_injections(_check(world, "markdown", tmp_path)) == []


def test_text_is_inert(world: World, tmp_path: Path) -> None:
    text = _check(world, "text", tmp_path)
    assert workflow_commands(text) == [] and raw_controls(text) == []


@pytest.mark.parametrize("fmt", ["compact", "text"])
def test_the_pre_push_hook_s_output_is_inert(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """The hook as the pre-commit framework runs it; the snapshot comes from the base's config."""
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", world.base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", world.head)
    assert main(["hook", "run", "--repo", str(world.repo), "--format", fmt]) in (0, 1)
    captured = capsys.readouterr()
    assert "app.h_" in captured.out and "slo\\n::error::budget" in captured.out  # the payloads got there
    for stream in (captured.out, captured.err):
        assert workflow_commands(stream) == [] and raw_controls(stream) == []


def test_changes_text_is_inert(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["changes", "--repo", str(world.repo), "--base", "main", "--head", "feature"]) == 0
    out = capsys.readouterr().out
    assert workflow_commands(out) == [] and raw_controls(out) == []


@pytest.fixture
def github_env(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[object, Path]]:
    state = new_state()
    state.pulls[7] = world.head
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "base": {"sha": world.base}, "head": {"sha": world.head}}})
    )
    with serve(state) as url:
        for name, value in {
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_API_URL": url,
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_TOKEN": APP_TOKEN,
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        }.items():
            monkeypatch.setenv(name, value)
        yield state, tmp_path


def test_annotations_summary_outputs_and_comment_are_inert(
    world: World, github_env: tuple[object, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    state, out = github_env
    _check(world, "markdown", out, "--github", "--check-run")
    stdout = capsys.readouterr().out
    # every line on stdout is one of ours: an annotation whose data cannot end the command
    lines = [line for line in stdout.splitlines() if line]
    assert lines and [x for x in lines if not re.match(r"::(notice|warning|error) file=", x)] == []
    # splitlines also splits at \x1c-\x1e, \x85, \u2028: an escaped line is still one annotation
    assert len(lines) == len(stdout.split("\n")) - 1
    assert markdown_injections((out / "summary.md").read_text(encoding="utf-8")) == []
    assert markdown_injections(state.comments[7][0]["body"]) == []  # type: ignore[attr-defined]
    assert workflow_commands((out / "output.txt").read_text(encoding="utf-8")) == []


def test_publish_of_the_json_report_is_inert(
    world: World, github_env: tuple[object, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, out = github_env
    _check(world, "json", out)
    event = out / "run.json"
    event.write_text(json.dumps({"workflow_run": {"head_sha": world.head, "pull_requests": []}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    assert main(["publish", "--report", str(out / "report.json"), "--pull-request", "7"]) == 0
    assert markdown_injections(state.comments[7][0]["body"]) == []  # type: ignore[attr-defined]


class _Elements(HTMLParser):
    """Every start tag and attribute of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("href", "src")]


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_the_release_digest_is_inert(world: World, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"digest.{fmt}"
    code = main(
        [
            "report",
            f"{world.base}..{world.head}",
            "--repo",
            str(world.repo),
            "--snapshot",
            str(world.snapshot),
            "--format",
            fmt,
            "--output",
            str(target),
        ]
    )
    assert code == 0
    text = target.read_text(encoding="utf-8")
    assert "approve" in text  # the hostile commit's subject is in the digest
    if fmt == "markdown":
        assert markdown_injections(text) == []
        return
    parser = _Elements()
    parser.feed(text)
    assert not {"img", "script", "iframe"} & set(parser.tags)
    assert "<b>x</b>" not in text and "<img src=x>" not in text  # the subject's and author's HTML
    assert [link for link in parser.links if "evil" in link] == []
    assert raw_controls(text) == []


def test_a_service_name_with_a_colon_or_equals_sign_is_scored(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    _commit(repo, {"app/__init__.py": "", "app/core.py": "def total(xs):\n    return sum(xs)\n"}, "base", "B")
    git(repo, "checkout", "-q", "-b", "feature")
    _commit(repo, {"app/core.py": "def total(xs):\n    return sum(xs) + 1\n"}, "edit", "B")
    spans = tmp_path / "spans.json"
    spans.write_text(json.dumps(_spans("app.core.total", "shop:cart", "k8s=prod")), encoding="utf-8")
    snapshot = tmp_path / "snapshot"
    assert (
        main(["collect", str(spans), "--output", str(snapshot), "--repo", str(repo), "--revision", "main"])
        == 0
    )
    args = ["check", "--repo", str(repo), "--base", "main", "--head", "feature", "--snapshot", str(snapshot)]
    assert main([*args, "--format", "json", "--output", str(tmp_path / "r.json")]) in (0, 1)


def test_annotation_properties_hold_no_raw_control_characters(
    world: World, github_env: tuple[object, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The file= property too: a runner's log shows it, and ESC there drives the reader's terminal."""
    _, out = github_env
    _check(world, "markdown", out, "--github")
    assert raw_controls(capsys.readouterr().out) == []

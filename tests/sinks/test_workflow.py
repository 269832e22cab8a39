"""Workflow commands, $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY: exact formats."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from preflight.models import ChangeKind, InferredTraffic, SloStatus
from preflight.sinks import Outcome, workflow
from tests.sinks.results import function, result


def test_escaping_follows_actions_toolkit() -> None:
    assert workflow.escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert workflow.escape_property("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext%3A a%2Cb"


def test_a_hostile_path_cannot_break_out_of_its_property() -> None:
    line = workflow.command(
        "warning", {"file": "a,line=1::x\n::error::pwn.py", "line": 3}, "msg\n::set-output name=x::y"
    )
    assert line == (
        "::warning file=a%2Cline=1%3A%3Ax%0A%3A%3Aerror%3A%3Apwn.py,line=3::msg%0A::set-output name=x::y"
    )
    assert "\n" not in line


def test_annotations_cover_behavioural_functions_busiest_first() -> None:
    checked = result(
        function("app.core.quiet", lines=(10, 12), calls_per_min=5.0),
        function("app.core.busy", lines=(1, 4), calls_per_min=60_000.0),
        function("app.core.unknown", lines=(20, 21)),
        function("app.core.gone", lines=None, kind=ChangeKind.REMOVED),
        function("app.core.tidy", lines=(30, 31), kind=ChangeKind.COSMETIC),
        verdict="warn",
    )
    found = workflow.annotate([checked])
    assert [(a.title, a.start, a.end, a.level) for a in found] == [
        ("preflight: modified app.core.busy", 1, 4, "warning"),
        ("preflight: modified app.core.quiet", 10, 12, "warning"),
        ("preflight: modified app.core.unknown", 20, 21, "warning"),
    ]
    assert found[0].message == "modified · 60,000 calls/min · service cart · change risk 42/100 (medium)"
    assert found[2].message.startswith("modified · calls/min unknown (no runtime data)")
    lines, dropped = workflow.annotation_commands(found)
    assert dropped == 0
    assert lines[0] == (
        "::warning file=app/core.py,line=1,endLine=4,title=preflight%3A modified app.core.busy::"
        "modified · 60,000 calls/min · service cart · change risk 42/100 (medium)"
    )


def test_levels_follow_the_decision() -> None:
    item = function("app.core.f")
    assert workflow.annotate([result(item)])[0].level == "notice"
    assert (
        workflow.annotate([result(item, verdict="warn")])[0].level == "warning"
    )  # advisory over its fail threshold
    assert workflow.annotate([result(item, verdict="fail")])[0].level == "error"


def test_annotation_commands_stay_within_the_runners_limits() -> None:
    many = [function(f"app.m.f{i}", lines=(i + 1, i + 1), calls_per_min=float(i)) for i in range(30)]
    lines, dropped = workflow.annotation_commands(workflow.annotate([result(*many)]))
    assert len(lines) == workflow.PER_LEVEL and dropped == 20
    assert "title=preflight%3A modified app.m.f29" in lines[0]  # the busiest are kept
    mixed = workflow.annotate([result(*many[:20]), result(*many[:20], verdict="warn")])
    mixed += workflow.annotate([result(*many, verdict="fail")])
    lines, dropped = workflow.annotation_commands(mixed)
    assert len(lines) == 30 and dropped == len(mixed) - 30


def test_outputs_use_the_delimiter_form_only_for_multiline_values(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("earlier=1\n", encoding="utf-8")
    workflow.write_outputs(path, {"score": "42", "report": "/tmp/odd\nname.md"})
    text = path.read_text(encoding="utf-8")
    match = re.fullmatch(
        r"earlier=1\nscore=42\nreport<<(ghadelimiter_[0-9a-f-]{36})\n/tmp/odd\nname\.md\n\1\n", text
    )
    assert match, text


def test_outputs_of_the_deciding_result(tmp_path: Path) -> None:
    passing = result(function("app.core.f"), score=30)
    failing = result(function("app.core.g"), score=20, verdict="fail")
    outcome = Outcome((passing, failing), 1, tmp_path / "report.md", ())
    assert workflow.outputs(outcome.results, outcome.worst(), outcome.report) == {
        "report": str(tmp_path / "report.md"),
        "score": "20",
        "level": "low",
        "decision": "fail",
        "passed": "false",
    }
    assert workflow.outputs((), None, None) == {"report": ""}


def test_summary_is_appended(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("# earlier step\n", encoding="utf-8")
    workflow.append_summary(path, ["one", "two\n"])
    assert path.read_text(encoding="utf-8") == "# earlier step\none\ntwo\n"


def test_annotation_message_carries_what_production_knows() -> None:
    measured = function("app.core.f", calls_per_min=1200.0)
    item = replace(
        measured,
        runtime=replace(
            measured.runtime,
            p99_ms=12.5,
            error_rate=0.0012,
            slos=(
                SloStatus(
                    "cart-availability", "cart", "availability", 0.999, "28d", None, None, 0.4, "user:x"
                ),
            ),
        ),
    )
    inferred = replace(function("app.core.g"), inferred=InferredTraffic(300.0, "low", (), 2))
    found = workflow.annotate([result(item, inferred)])
    assert found[0].message == (
        "modified · 1,200 calls/min · p99 12.5 ms · errors 0.12% · service cart · "
        "SLOs cart-availability (40% budget left) · change risk 42/100 (medium)"
    )
    assert found[1].message.startswith("modified · ~300 calls/min (inferred from callers)")

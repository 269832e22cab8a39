"""sinks/checkruns: the `preflight` check run, its conclusion, title and annotation batches."""

from __future__ import annotations

from preflight.sinks import checkruns
from preflight.sinks.api import GitHub
from preflight.sinks.workflow import Annotation
from tests.sinks.conftest import APP_TOKEN
from tests.sinks.results import function, result
from tests.sinks.server import State

HEAD = "e" * 40


def note(line: int, level: str = "warning") -> Annotation:
    return Annotation("app/m.py", line, line + 1, level, f"f{line}", "changed", 1.0)


def test_conclusion_follows_the_worst_verdict() -> None:
    passed = result(function("app.core.f"), verdict="pass")
    warned = result(function("app.core.g"), verdict="warn")
    failed = result(function("app.core.h"), verdict="fail")
    assert checkruns.conclusion([]) == "success"
    assert checkruns.conclusion([passed]) == "success"
    assert checkruns.conclusion([passed, warned]) == "neutral"
    assert checkruns.conclusion([warned, failed]) == "failure"


def test_title_names_the_deciding_score_level_and_verdict() -> None:
    assert checkruns.title([]) == "preflight: nothing to check"
    results = [
        result(function("app.core.f"), score=10),
        result(function("app.core.g"), score=60, verdict="warn"),
    ]
    assert checkruns.title(results) == "risk 60/100 (high): warn"


def test_one_request_without_annotations(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    api = GitHub(url, APP_TOKEN, sleeper=lambda _: None)
    run_id = checkruns.create(api, "o/r", HEAD, [result(function("app.core.f"))], "all good", [])
    run = state.check_runs[run_id]
    assert (run["name"], run["head_sha"], run["status"], run["conclusion"]) == (
        "preflight",
        HEAD,
        "completed",
        "success",
    )
    assert run["output"]["summary"] == "all good" and run["annotations"] == []
    assert [m for m, path, _ in state.requests if "/check-runs" in path] == ["POST"]


def test_annotations_are_sent_in_batches_of_50_with_check_run_levels(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    api = GitHub(url, APP_TOKEN, sleeper=lambda _: None)
    found = [note(i, "error" if i % 2 else "notice") for i in range(1, 102)]
    run_id = checkruns.create(api, "o/r", HEAD, [result(function("app.core.f"), verdict="fail")], "s", found)
    run = state.check_runs[run_id]
    assert [m for m, path, _ in state.requests if "/check-runs" in path] == ["POST", "PATCH", "PATCH"]
    assert len(run["annotations"]) == 101
    first, second = run["annotations"][:2]
    assert first == {
        "path": "app/m.py",
        "start_line": 1,
        "end_line": 2,
        "annotation_level": "failure",
        "title": "f1",
        "message": "changed",
    }
    assert second["annotation_level"] == "notice"
    assert run["conclusion"] == "failure"


def test_a_long_summary_is_cut_under_the_limit(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    api = GitHub(url, APP_TOKEN, sleeper=lambda _: None)
    summary = "line of the report\n" * 10_000
    run_id = checkruns.create(api, "o/r", HEAD, [result(function("app.core.f"))], summary, [])
    sent = state.check_runs[run_id]["output"]["summary"]
    assert len(sent) <= checkruns.SUMMARY_LIMIT < len(summary)

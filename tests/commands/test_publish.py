"""`preflight publish`: the workflow_run half of the fork-safe pattern posts a rendered report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.report.markdown import MARKER
from tests.sinks.conftest import APP_TOKEN, FORK_TOKEN, new_state
from tests.sinks.server import State, serve

RUN_HEAD = "e" * 40
REPORT = f"{MARKER}\n### preflight: risk 12/100\n"


@pytest.fixture
def workflow_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[State, Path]]:
    """The environment of a workflow_run job and a downloaded report artifact."""
    state = new_state()
    state.pulls[7] = RUN_HEAD
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"workflow_run": {"head_sha": RUN_HEAD, "pull_requests": []}}))
    report = tmp_path / "artifact" / "report.md"
    report.parent.mkdir()
    report.write_text(REPORT, encoding="utf-8")
    with serve(state) as url:
        for name, value in {
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_API_URL": url,
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_TOKEN": APP_TOKEN,
        }.items():
            monkeypatch.setenv(name, value)
        yield state, report


def test_publish_posts_and_updates_the_sticky_comment(
    workflow_run: tuple[State, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    state, report = workflow_run
    assert main(["publish", "--report", str(report), "--pull-request", "7"]) == 0
    assert "created the pull request comment" in capsys.readouterr().err
    report.write_text(REPORT + "\nnewer\n", encoding="utf-8")
    assert main(["publish", "--report", str(report), "--pull-request", "7"]) == 0
    assert [c["body"] for c in state.comments[7]] == [REPORT + "\nnewer\n"]
    assert ("GET", "/repos/o/r/pulls/7") in [(m, p) for m, p, _ in state.requests]


def test_publish_refuses_a_report_for_another_head(
    workflow_run: tuple[State, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    state, report = workflow_run
    state.pulls[8] = "f" * 40
    assert main(["publish", "--report", str(report), "--pull-request", "8"]) == 0
    assert "not posted: pull request #8's head is ffffffffffff, but the report was made for eeeeeeeeeeee" in (
        capsys.readouterr().err
    )
    assert not state.comments


def test_publish_requires_a_preflight_report(
    workflow_run: tuple[State, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    state, report = workflow_run
    report.write_text("@everyone look at this", encoding="utf-8")
    assert main(["publish", "--report", str(report), "--pull-request", "7"]) == 2
    assert "not a preflight Markdown report (no <!-- preflight:report --> line)" in capsys.readouterr().err
    assert main(["publish", "--report", str(report.parent / "missing.md"), "--pull-request", "7"]) == 2
    assert "cannot read it" in capsys.readouterr().err
    assert main(["publish", "--report", str(report), "--pull-request", "0"]) == 2
    assert not state.requests


def test_publish_without_write_permission_is_an_error_that_names_the_fix(
    workflow_run: tuple[State, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, report = workflow_run
    monkeypatch.setenv("GITHUB_TOKEN", FORK_TOKEN)
    assert main(["publish", "--report", str(report), "--pull-request", "7"]) == 2
    err = capsys.readouterr().err
    assert "give the posting workflow `permissions: pull-requests: write`" in err
    assert FORK_TOKEN not in err


def test_publish_needs_a_number_and_a_token(
    workflow_run: tuple[State, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, report = workflow_run
    assert main(["publish", "--report", str(report)]) == 2
    assert "--pull-request is missing" in capsys.readouterr().err
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["publish", "--report", str(report), "--pull-request", "7"]) == 2
    assert "GITHUB_TOKEN and GITHUB_REPOSITORY must be set" in capsys.readouterr().err

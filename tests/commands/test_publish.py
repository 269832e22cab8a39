"""`preflight publish`: the workflow_run half of the fork-safe pattern renders the JSON report again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.report.markdown import MARKER
from tests.conftest import commit, git
from tests.sinks.conftest import APP_TOKEN, FORK_TOKEN, new_state
from tests.sinks.server import State, serve


@dataclass
class Artifact:
    """A real check's reports of one commit, and the fake GitHub the posting job talks to."""

    state: State
    report: Path
    """report.json, as the pull_request workflow uploads it."""
    markdown: str
    """What `check --format markdown` printed for the same range."""
    head: str
    event: Path


def checked(repo: Path, out: Path) -> tuple[Path, str, str]:
    """Run a real check of main..HEAD in repo: (report.json, the Markdown report, head sha)."""
    report = out / "report.json"
    args = ["check", "--repo", str(repo), "--base", "main", "--head", "HEAD", "--no-callgraph"]
    assert main([*args, "--format", "json", "--output", str(report)]) in (0, 1)
    markdown = out / "report.md"
    assert main([*args, "--format", "markdown", "--output", str(markdown)]) in (0, 1)
    return report, markdown.read_text(encoding="utf-8"), git(repo, "rev-parse", "HEAD")


def write_event(path: Path, head: str, **extra: object) -> None:
    path.write_text(json.dumps({"workflow_run": {"head_sha": head, "pull_requests": [], **extra}}))


@pytest.fixture
def artifact(git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Artifact]:
    """A pull request's checked change, its report artifact, and a workflow_run job's environment."""
    commit(git_repo, {"app/core.py": "def total(xs):\n    return sum(xs)\n"})
    git(git_repo, "checkout", "-q", "-b", "feature")
    commit(git_repo, {"app/core.py": "def total(xs):\n    return sum(xs) + 1\n"})
    out = tmp_path / "artifact"
    out.mkdir()
    report, markdown, head = checked(git_repo, out)
    state = new_state()
    state.pulls[7] = head
    event = tmp_path / "event.json"
    write_event(event, head)
    with serve(state) as url:
        for name, value in {
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_API_URL": url,
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_TOKEN": APP_TOKEN,
        }.items():
            monkeypatch.setenv(name, value)
        yield Artifact(state, report, markdown, head, event)


def test_publish_posts_the_comment_check_renders_and_updates_it(
    artifact: Artifact, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["publish", "--report", str(artifact.report), "--pull-request", "7"]
    assert main(args) == 0
    assert "created the pull request comment" in capsys.readouterr().err
    # the same comment `check` would have posted: re-rendered from the JSON with check's escaping
    assert [c["body"] for c in artifact.state.comments[7]] == [artifact.markdown]
    assert main(args) == 0
    assert "unchanged the pull request comment" in capsys.readouterr().err
    assert len(artifact.state.comments[7]) == 1
    assert ("GET", "/repos/o/r/pulls/7") in [(m, p) for m, p, _ in artifact.state.requests]


def test_publish_skips_a_pull_request_that_moved_on(
    artifact: Artifact, capsys: pytest.CaptureFixture[str]
) -> None:
    artifact.state.pulls[8] = "f" * 40
    assert main(["publish", "--report", str(artifact.report), "--pull-request", "8"]) == 0
    assert (
        f"not posted: pull request #8's head is ffffffffffff, but the report was made for {artifact.head[:12]}"
        in (capsys.readouterr().err)
    )
    assert not artifact.state.comments


def test_publish_refuses_an_artifact_of_another_commit_or_pull_request(
    artifact: Artifact, capsys: pytest.CaptureFixture[str]
) -> None:
    write_event(artifact.event, "e" * 40)
    assert main(["publish", "--report", str(artifact.report), "--pull-request", "7"]) == 2
    err = capsys.readouterr().err
    assert f"made for commit {artifact.head[:12]}, but the triggering run checked eeeeeeeeeeee" in err
    write_event(artifact.event, artifact.head, pull_requests=[{"number": 9}])
    assert main(["publish", "--report", str(artifact.report), "--pull-request", "7"]) == 2
    assert "--pull-request 7: the triggering run belongs to pull request #9" in capsys.readouterr().err
    assert not artifact.state.requests


def test_publish_refuses_a_markdown_report_and_unreadable_input(
    artifact: Artifact, capsys: pytest.CaptureFixture[str]
) -> None:
    markdown = artifact.report.with_name("report.md")
    markdown.write_text(artifact.markdown, encoding="utf-8")
    assert main(["publish", "--report", str(markdown), "--pull-request", "7"]) == 2
    err = capsys.readouterr().err
    assert f"--report {markdown}: a Markdown report; publish never posts an artifact's text" in err
    assert "report-format: json" in err
    assert main(["publish", "--report", str(markdown.parent / "missing.json"), "--pull-request", "7"]) == 2
    assert "cannot read it" in capsys.readouterr().err
    markdown.write_bytes(b"\xff\xfe{}")
    assert main(["publish", "--report", str(markdown), "--pull-request", "7"]) == 2
    assert "cannot read it" in capsys.readouterr().err
    assert main(["publish", "--report", str(artifact.report), "--pull-request", "0"]) == 2
    assert not artifact.state.requests


def test_publish_without_write_permission_is_an_error_that_names_the_fix(
    artifact: Artifact, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FORK_TOKEN)
    assert main(["publish", "--report", str(artifact.report), "--pull-request", "7"]) == 2
    err = capsys.readouterr().err
    assert "give the posting workflow `permissions: pull-requests: write`" in err
    assert FORK_TOKEN not in err


def test_publish_needs_a_number_and_a_token(
    artifact: Artifact, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["publish", "--report", str(artifact.report)]) == 2
    assert "--pull-request is missing" in capsys.readouterr().err
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["publish", "--report", str(artifact.report), "--pull-request", "7"]) == 2
    assert "GITHUB_TOKEN and GITHUB_REPOSITORY must be set" in capsys.readouterr().err


def test_a_fork_s_report_says_whose_workflow_made_it(artifact: Artifact) -> None:
    write_event(
        artifact.event,
        artifact.head,
        id=4242,
        head_repository={"full_name": "mallory/r"},
        repository={"full_name": "o/r"},
    )
    assert main(["publish", "--report", str(artifact.report), "--pull-request", "7"]) == 0
    body = artifact.state.comments[7][0]["body"]
    assert body.startswith(artifact.markdown)
    assert "workflow run 4242, which the fork mallory/r ran with the workflow files of its own commit" in body
    assert MARKER in body

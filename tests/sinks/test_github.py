"""The GitHub sink: what `check --github` writes, the comment, the check run, and degrading."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from preflight.errors import InputError
from preflight.models import CheckResult
from preflight.report.markdown import render_check
from preflight.sinks import Outcome
from preflight.sinks.github import ActionsEnvironment, GitHubSink
from tests.sinks.conftest import APP_TOKEN, FORK_TOKEN, new_state
from tests.sinks.results import function, result
from tests.sinks.server import Failure, State, serve

HEAD = "c" * 40


def environ(
    tmp_path: Path, url: str, token: str | None = APP_TOKEN, number: int | None = 7
) -> dict[str, str]:
    """What the runner sets for a step of a pull_request workflow."""
    event = tmp_path / "event.json"
    pull = {"number": number, "head": {"sha": HEAD}, "base": {"sha": "a" * 40}}
    event.write_text(json.dumps({"pull_request": pull} if number else {"before": "a" * 40}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_API_URL": url,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "d" * 40,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }
    return env | ({"GITHUB_TOKEN": token} if token else {})


def publish(env: dict[str, str], outcome: Outcome, **options: bool) -> tuple[str, str, list[float]]:
    out, err = io.StringIO(), io.StringIO()
    slept: list[float] = []
    GitHubSink(env, out, err, sleeper=slept.append, **options).publish(outcome)
    return out.getvalue(), err.getvalue(), slept


def outcome_of(results: tuple[CheckResult, ...], code: int, report: Path | None) -> Outcome:
    """What `check` hands the sink: the results and each one's Markdown, rendered once."""
    return Outcome(results, code, report, tuple(render_check(r) for r in results))


OUTCOME = outcome_of(
    (result(function("app.core.f", lines=(3, 9), calls_per_min=60_000.0), score=61, verdict="warn"),),
    0,
    Path("/tmp/report.md"),
)


def test_writes_annotations_summary_outputs_and_the_comment(
    fake_github: tuple[State, str], tmp_path: Path
) -> None:
    state, url = fake_github
    out, err, _ = publish(environ(tmp_path, url), OUTCOME)
    assert out == (
        "::warning file=app/core.py,line=3,endLine=9,title=preflight%3A modified app.core.f::"
        "modified · 60,000 calls/min · service cart · change risk 61/100 (high)\n"
    )
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("<!-- preflight:report -->") and "app\\.core\\.f" in summary
    assert (tmp_path / "output").read_text(encoding="utf-8") == (
        "report=/tmp/report.md\nscore=61\nlevel=high\ndecision=warn\npassed=true\n"
    )
    assert [c["body"] for c in state.comments[7]] == [summary]
    assert err == f"preflight: created the pull request comment {state.comments[7][0]['html_url']}\n"
    publish(environ(tmp_path, url), OUTCOME)
    assert len(state.comments[7]) == 1  # a second run updates (here: unchanged), never duplicates


def test_a_forks_read_only_token_degrades_and_says_so(fake_github: tuple[State, str], tmp_path: Path) -> None:
    state, url = fake_github
    out, err, slept = publish(environ(tmp_path, url, FORK_TOKEN), OUTCOME, check_run=True)
    assert 7 not in state.comments and not state.check_runs and slept == []
    assert "read-only token, as GitHub gives to pull requests from forks" in err
    assert "the token cannot comment on pull request #7" in err
    assert "the token cannot create check runs" in err
    assert out.startswith("::warning file=app/core.py")
    assert "::notice title=preflight%3A read-only token::the token cannot comment" in out
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("<!-- preflight:report -->")
    assert "score=61" in (tmp_path / "output").read_text(encoding="utf-8")
    assert FORK_TOKEN not in out + err


def test_no_token_or_no_pull_request_skips_the_comment(
    fake_github: tuple[State, str], tmp_path: Path
) -> None:
    state, url = fake_github
    _, err, _ = publish(environ(tmp_path, url, token=None), OUTCOME)
    assert err == "preflight: no comment: no token in GITHUB_TOKEN (the action's github-token input)\n"
    _, err, _ = publish(environ(tmp_path, url, number=None), OUTCOME)
    assert "the event is not a pull request" in err
    _, err, _ = publish(environ(tmp_path, url), OUTCOME, comment=False)
    assert err == "" and not state.requests


def test_a_check_run_gets_every_annotation_in_batches_of_50(
    fake_github: tuple[State, str], tmp_path: Path
) -> None:
    state, url = fake_github
    many = [function(f"app.m.f{i}", path="app/m.py", lines=(i + 1, i + 1)) for i in range(120)]
    outcome = outcome_of((result(*many, score=80, verdict="fail"),), 1, None)
    out, err, _ = publish(environ(tmp_path, url), outcome, comment=False, check_run=True)
    (run,) = state.check_runs.values()
    assert (run["name"], run["head_sha"], run["conclusion"]) == ("preflight", HEAD, "failure")
    assert run["output"]["title"] == "risk 80/100 (critical): fail"
    assert len(run["annotations"]) == 120 and run["annotations"][0]["annotation_level"] == "failure"
    writes = [m for m, path, _ in state.requests if "/check-runs" in path]
    assert writes == ["POST", "PATCH", "PATCH"]
    assert err.endswith(f"created check run {run['id']} with 120 annotation(s)\n")
    assert out.count("::error ") == 10  # the runner shows at most 10 per level; the check run has all
    assert "110 more changed functions than the runner shows annotations for" in err


def test_a_502_then_success_is_retried_with_injected_sleep(tmp_path: Path) -> None:
    state = new_state()
    state.failures.append(Failure("POST", "/comments$", 502))
    with serve(state) as url:
        _, err, slept = publish(environ(tmp_path, url), OUTCOME)
    assert slept == [1.0] and len(state.comments[7]) == 1 and "created" in err


def test_github_enterprise_server_paths(tmp_path: Path) -> None:
    state = new_state()
    with serve(state, prefix="/api/v3") as url:
        assert url.endswith("/api/v3")
        publish(environ(tmp_path, url), OUTCOME)
    assert len(state.comments[7]) == 1
    assert ("POST", "/api/graphql") in [(m, p) for m, p, _ in state.requests]
    assert all(p.startswith("/api/") for _, p, _ in state.requests)


def test_environment_is_validated_before_any_work(tmp_path: Path) -> None:
    env = environ(tmp_path, "https://api.github.com")
    with pytest.raises(InputError, match="GITHUB_REPOSITORY='nope': expected OWNER/NAME"):
        ActionsEnvironment.from_environ(env | {"GITHUB_REPOSITORY": "nope"})
    with pytest.raises(InputError, match="GITHUB_API_URL='ftp://x': expected an http"):
        ActionsEnvironment.from_environ(env | {"GITHUB_API_URL": "ftp://x"})
    with pytest.raises(InputError, match="GITHUB_TOKEN contains spaces or control characters") as e:
        ActionsEnvironment.from_environ(env | {"GITHUB_TOKEN": f"{APP_TOKEN}\nX-Injected: 1"})
    assert APP_TOKEN not in str(e.value)
    context = ActionsEnvironment.from_environ(
        env | {"GITHUB_TOKEN": f"{APP_TOKEN}\n"}
    )  # a trailing newline is trimmed
    assert (context.pull_request, context.head_sha, context.token) == (7, HEAD, APP_TOKEN)
    assert APP_TOKEN not in repr(context)

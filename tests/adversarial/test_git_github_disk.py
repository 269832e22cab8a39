"""Issue 17 items 13-15: hostile git input, a hostile GitHub API, a full disk and killed runs.

Each test reproduced its defect on the code before the fix: real git repositories, real
subprocesses (with bounded timeouts), the local fake GitHub of tests/sinks, /dev/full.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GIT_ENV, commit, git
from tests.sinks.conftest import new_state
from tests.sinks.server import Failure, State, serve

ZERO = "0" * 40
TIMEOUT = 120


def preflight(repo: Path, *args: str, stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m preflight ARGS` in repo as git would, standard input as bytes."""
    environ = {**os.environ, **GIT_ENV, "TMPDIR": str(repo.parent), **env}
    environ.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        cwd=repo,
        input=stdin,
        capture_output=True,
        env=environ,
        timeout=TIMEOUT,
    )


@pytest.fixture
def branch(git_repo: Path) -> Path:
    """main with one function, branch feat changing it (checked out)."""
    commit(git_repo, {"app.py": "def f():\n    return 1\n"})
    git(git_repo, "checkout", "-q", "-b", "feat")
    commit(git_repo, {"app.py": "def f():\n    return 2\n"})
    return git_repo


# Item 13: git input


@pytest.mark.parametrize(
    "oid",
    ["--output=x", "nothex", "1234567890abcdef1234567890abcdef12345678", "-" + "a" * 39],
)
def test_pre_push_local_oid_that_is_not_a_commit_is_exit_2(branch: Path, oid: str) -> None:
    done = preflight(
        branch, "hook", "run", "origin", stdin=f"refs/heads/feat {oid} refs/heads/feat {ZERO}\n".encode()
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "pre-push input line 1" in err and oid in err and "Traceback" not in err
    assert not (branch / "x").exists()  # `--output=x` never reached git as an option


def test_pre_push_remote_oid_that_is_an_option_is_exit_2(branch: Path) -> None:
    head = git(branch, "rev-parse", "HEAD")
    done = preflight(branch, "hook", "run", stdin=f"refs/heads/feat {head} refs/heads/feat --all\n".encode())
    assert done.returncode == 2 and b"pre-push input line 1" in done.stderr


def test_pre_push_input_that_is_not_utf8_is_exit_2_naming_the_line(branch: Path) -> None:
    head = git(branch, "rev-parse", "HEAD")
    stdin = f"refs/heads/feat {head} refs/heads/feat {ZERO}\n".encode() + b"refs/heads/\xff\xfe x y z\n"
    done = preflight(branch, "hook", "run", stdin=stdin)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2, err
    assert "line 2" in err and "UTF-8" in err and "Traceback" not in err


def test_check_pre_push_input_that_is_not_utf8_is_exit_2(branch: Path) -> None:
    done = preflight(branch, "check", "--pre-push", stdin=b"refs/heads/\xff 1 2 3\n")
    assert done.returncode == 2 and b"line 1" in done.stderr and b"Traceback" not in done.stderr


def test_non_utf8_file_names_give_valid_utf8_json_with_the_name_escaped(branch: Path) -> None:
    name = b"caf\xe9.py"
    (branch / os.fsdecode(name)).write_bytes(b"def g():\n    return 3\n")
    git(branch, "add", "-A")
    git(branch, "commit", "-q", "-m", "latin-1 name")
    out = branch.parent / "out.json"
    written = preflight(
        branch, "check", "--base", "main", "--format", "json", "--no-callgraph", "--output", str(out)
    )
    assert written.returncode in (0, 1), written.stderr.decode("utf-8", "replace")
    printed = preflight(branch, "check", "--base", "main", "--format", "json", "--no-callgraph")
    assert printed.returncode in (0, 1), printed.stderr.decode("utf-8", "replace")
    for raw in (out.read_bytes(), printed.stdout):
        text = raw.decode("utf-8")  # strict: the report is valid UTF-8
        assert "caf\\\\xe9.py" in text  # the undecodable byte is shown, escaped, in the JSON string
        assert json.loads(text)
    assert b"caf\\xe9.py" in preflight(branch, "changes", "--base", "main").stdout


def test_a_thousand_term_sum_is_compared_without_recursing(branch: Path) -> None:
    chain = " + ".join(["x"] * 1000)
    commit(branch, {"sums.py": f"def total(x):\n    return {chain}\n"})
    git(branch, "checkout", "-q", "main")
    commit(branch, {"sums.py": f"def total(x):\n    return {chain} + 1\n"})
    git(branch, "checkout", "-q", "feat")
    done = preflight(branch, "changes", "--base", "main", "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    assert "total" in done.stdout.decode()


def test_the_crash_handler_survives_undecodable_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import tempfile

    from preflight import cli

    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)  # the crash file goes here, not into the shared /tmp
    try:
        try:
            raise RuntimeError("odd bytes: \udcff\udcfe and \x1b[31m")
        except RuntimeError:
            assert cli._crash(verbose=True) == 3
    finally:
        tempfile.tempdir = previous
    (saved,) = tmp_path.glob("preflight-crash-*.txt")
    text = saved.read_text(encoding="utf-8")
    assert "odd bytes" in text and "\\udcff" in text
    assert "internal error" in capsys.readouterr().err


# Item 14: the GitHub API


COMMENTS = "/repos/o/r/issues/1/comments"


@pytest.fixture
def fake_api() -> Iterator[tuple[State, str]]:
    """(state, root URL) of the local fake GitHub of tests/sinks."""
    state = new_state()
    with serve(state) as url:
        yield state, url


def github(url: str, token: str | None = None) -> Any:
    from preflight.sinks.api import GitHub
    from tests.sinks.conftest import APP_TOKEN

    return GitHub(url, token or APP_TOKEN, sleeper=lambda _: None)


@pytest.mark.parametrize("links", ["same", "endless"])
def test_a_link_header_loop_ends_with_an_error_naming_the_endpoint(
    fake_api: tuple[State, str], links: str
) -> None:
    from preflight.sinks.api import MAX_PAGES, GitHubError

    state, url = fake_api
    state.links = links
    state.add_comment(1, "someone", "hello")
    with pytest.raises(
        GitHubError, match=f"GET {url}{COMMENTS}.*(repeats a page|more than {MAX_PAGES} pages)"
    ):
        for _ in github(url).pages(COMMENTS):
            pass
    assert len(state.requests) <= MAX_PAGES + 1  # bounded: it used to page forever


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_200_with_an_html_body_is_exit_2_naming_the_endpoint(
    fake_api: tuple[State, str], method: str
) -> None:
    from preflight.sinks.api import GitHubError

    state, url = fake_api
    page = b"<!DOCTYPE html><html><body>Sign in to your proxy</body></html>"
    state.failures.append(Failure(method, "/comments$", 200, raw=page))
    api = github(url)
    with pytest.raises(
        GitHubError, match=rf"{method} {url}{COMMENTS}(\?per_page=100)?: GitHub answered 200 with .*not JSON"
    ) as e:
        if method == "GET":
            list(api.pages(COMMENTS))
        else:
            api.json("POST", COMMENTS, {"body": "x"})
    assert e.value.exit_code == 2


def test_a_post_answer_without_an_id_is_exit_2_naming_the_endpoint(fake_api: tuple[State, str]) -> None:
    from preflight.sinks import comments
    from preflight.sinks.api import GitHubError

    state, url = fake_api
    state.failures.append(Failure("POST", "/comments$", 201, body={"body": "x"}))
    with pytest.raises(GitHubError, match=f"POST {url}{COMMENTS}: GitHub's answer has no comment id"):
        comments.upsert(github(url), "o/r", 1, "report", "github-actions[bot]")


def test_a_check_run_answer_without_an_id_is_exit_2(fake_api: tuple[State, str]) -> None:
    from preflight.sinks import checkruns
    from preflight.sinks.api import GitHubError

    state, url = fake_api
    state.failures.append(Failure("POST", "/check-runs$", 201, body=["not", "a", "run"]))
    with pytest.raises(GitHubError, match=r"POST .*/check-runs: GitHub's answer has no check run id"):
        checkruns.create(github(url), "o/r", "a" * 40, [], "summary", [])


def test_a_422_says_what_github_refused_and_what_to_fix(fake_api: tuple[State, str]) -> None:
    from preflight.sinks.api import GitHubError

    state, url = fake_api
    refused = {
        "message": "Validation Failed",
        "errors": [
            {"resource": "CheckRun", "code": "invalid", "field": "head_sha", "message": "No commit found"}
        ],
    }
    state.failures.append(Failure("POST", "/check-runs$", 422, body=refused))
    with pytest.raises(GitHubError) as e:
        github(url).json("POST", "/repos/o/r/check-runs", {"name": "preflight"})
    message = str(e.value)
    assert "422" in message and "head_sha" in message and "No commit found" in message
    assert "push the head commit" in message


def test_an_error_body_echoing_the_token_is_redacted(
    fake_api: tuple[State, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from preflight.sinks.api import GitHubError
    from tests.sinks.conftest import APP_TOKEN

    state, url = fake_api
    state.failures.append(Failure("GET", "/comments$", 400, echo_token=True))
    with pytest.raises(GitHubError) as e:
        list(github(url).pages(COMMENTS))
    assert APP_TOKEN not in str(e.value) and APP_TOKEN[4:20] not in str(e.value)
    assert "Bad credentials" in str(e.value) and "***" in str(e.value)

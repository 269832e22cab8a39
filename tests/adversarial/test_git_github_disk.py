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


# Item 15: a full disk, killed runs

DEV_FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not DEV_FULL.is_char_device(), reason="no /dev/full here")
TRACES = Path(__file__).parents[2] / "examples" / "shop" / "telemetry" / "traces" / "cart.jsonl"


def limited(limit: int) -> Any:
    """A preexec_fn capping the size of any file the child writes: its writes then fail as on a
    full disk (EFBIG; Python ignores SIGXFSZ), with no real disk filled."""

    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run_limited(repo: Path, limit: int, *args: str) -> subprocess.CompletedProcess[bytes]:
    environ = {**os.environ, **GIT_ENV, "TMPDIR": str(repo.parent)}
    environ.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        cwd=repo,
        capture_output=True,
        env=environ,
        timeout=TIMEOUT,
        preexec_fn=limited(limit),
    )


@needs_dev_full
def test_step_summary_on_a_full_disk_is_exit_2_naming_it() -> None:
    from preflight.errors import PreflightError
    from preflight.sinks import workflow

    with pytest.raises(PreflightError, match="GITHUB_STEP_SUMMARY /dev/full: cannot append") as e:
        workflow.append_summary(DEV_FULL, ["# report\n" * 10_000])
    assert e.value.exit_code == 2 and DEV_FULL.is_char_device()


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_failed_summary_append_leaves_the_old_summary_intact(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    script = (
        "import sys; from pathlib import Path; from preflight.sinks import workflow\n"
        "try:\n    workflow.append_summary(Path(sys.argv[1]), ['x' * 100_000])\n"
        "except Exception as e:\n    print(type(e).__name__, e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(summary)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=limited(4096),
    )
    assert done.stdout.startswith("InputError") and str(summary) in done.stdout, done.stderr
    assert summary.read_text(encoding="utf-8") == "earlier step\n"


@needs_dev_full
def test_check_output_on_a_full_disk_is_exit_2_naming_the_path(branch: Path) -> None:
    done = preflight(branch, "check", "--base", "main", "--no-callgraph", "--output", str(DEV_FULL))
    assert done.returncode == 2 and b"/dev/full" in done.stderr and b"Traceback" not in done.stderr
    assert DEV_FULL.is_char_device()


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_check_output_that_cannot_be_written_keeps_the_old_report(branch: Path) -> None:
    # a report far larger than the limit, which git's own small outputs stay well under
    commit(branch, {"many.py": "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(300))})
    out = branch.parent / "report.json"
    out.write_text('{"old": true}\n', encoding="utf-8")
    done = run_limited(
        branch, 32_768, "check", "--base", "main", "--no-callgraph", "--format", "json", "--output", str(out)
    )
    assert done.returncode == 2 and str(out).encode() in done.stderr, done.stderr
    assert out.read_text(encoding="utf-8") == '{"old": true}\n'


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_collect_on_a_full_disk_is_exit_2_and_the_old_snapshot_intact(branch: Path) -> None:
    snap = branch.parent / "snap"
    first = run_limited(branch, 1 << 30, "collect", str(TRACES), "--output", str(snap))
    assert first.returncode == 0, first.stderr.decode()
    before = {p.name: p.read_bytes() for p in snap.iterdir()}
    done = run_limited(branch, 2048, "collect", str(TRACES), "--output", str(snap))
    assert done.returncode == 2 and f"{snap}: cannot write the snapshot".encode() in done.stderr, done.stderr
    assert {p.name: p.read_bytes() for p in snap.iterdir()} == before
    assert sorted(p.name for p in branch.parent.iterdir() if p.name.startswith(".snap")) == []


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=TIMEOUT)
    return child.pid


def test_staging_left_by_a_killed_collect_is_cleaned_on_the_next_run(branch: Path) -> None:
    from preflight.runtime import staging

    snap = branch.parent / "snap"
    killed = branch.parent / f".snap.preflight-staging-{dead_pid()}-abcd_123"
    killed.mkdir()
    (killed / "functions.parquet").write_bytes(b"PAR1 half")
    busy = staging.create_staging(snap, "staging")  # a live run's (this process)
    user = [branch.parent / ".snap.notes", branch.parent / f".snap.preflight-staging-{dead_pid()}-mine"]
    for path in user:
        path.mkdir()
    done = preflight(branch, "collect", str(TRACES), "--output", str(snap))
    assert done.returncode == 0, done.stderr.decode()
    assert not killed.exists() and busy.is_dir() and all(path.is_dir() for path in user)
    # a live pid's directory goes only once it is a day old (the pid may be another machine's)
    assert staging.clean_abandoned(snap, now=os.stat(busy).st_mtime + staging.ABANDONED_AFTER + 1) == (busy,)


def alive(pid: int) -> bool:
    """True while pid runs (a zombie left for a reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGTERM"])
def test_collect_workers_exit_when_the_parent_is_killed(tmp_path: Path, signal_name: str) -> None:
    import signal
    import time

    script = (
        "import os, time\n"
        "from preflight.runtime import parallel\n"
        "if __name__ == '__main__':\n"
        "    workers = parallel.pool(1)\n"
        "    print(workers.submit(os.getpid).result(), flush=True)\n"
        "    workers.submit(time.sleep, 300)\n"
        "    time.sleep(300)\n"
    )
    (tmp_path / "parent.py").write_text(script, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, "parent.py"], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    worker = 0
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert alive(worker)
        parent.send_signal(getattr(signal, signal_name))
        parent.wait(timeout=TIMEOUT)
        deadline = time.monotonic() + 15
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker), "the worker outlived its parent"
    finally:
        parent.kill()
        parent.wait(timeout=TIMEOUT)
        if worker and alive(worker):  # a failed run leaves no orphan behind
            os.kill(worker, signal.SIGKILL)
        if parent.stdout is not None:
            parent.stdout.close()

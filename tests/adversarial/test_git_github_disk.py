"""Issue 17 items 13-15: hostile git input, a hostile GitHub API, a full disk and killed runs.

Each test reproduced its defect on the code before the fix: real git repositories, real
subprocesses (with bounded timeouts), the local fake GitHub of tests/sinks, /dev/full.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GIT_ENV, commit, git

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

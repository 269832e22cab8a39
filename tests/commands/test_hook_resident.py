"""The hook's resident process (preflight.resident, preflight.cli.serve): real pushes through the
installed hook, a real server process, the same answers as a plain run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.resident import client, protocol
from tests.commands.test_hook import PUSH_ENV, ROOT, pushed  # noqa: F401 - the fixture
from tests.conftest import commit, git

PREFLIGHT = [sys.executable, "-m", "preflight"]


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private XDG_RUNTIME_DIR (short: a socket's path is limited), for this test and its children."""
    directory = Path(tempfile.mkdtemp(prefix="pf-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(directory))
    yield directory
    for sock in (directory / "preflight").glob("*.sock"):
        client.ask(sock, {"op": "stop", "key": protocol.code_key()}, 10.0)
    shutil.rmtree(directory, ignore_errors=True)


def hook_run(repo: Path, line: str, *flags: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`preflight hook run` as the installed hook calls it, in a child process."""
    return subprocess.run(
        [*PREFLIGHT, "hook", "run", *flags, "--", "origin", "url"],
        cwd=repo,
        input=line,
        env={**PUSH_ENV, "XDG_RUNTIME_DIR": os.environ["XDG_RUNTIME_DIR"], **env},
        capture_output=True,
        text=True,
    )


def pre_push_line(repo: Path) -> str:
    head, base = git(repo, "rev-parse", "HEAD").strip(), git(repo, "rev-parse", "origin/main").strip()
    return f"refs/heads/main {head} refs/heads/main {base}\n"


def wait_for_server(repo: Path, seconds: float = 30.0) -> dict[str, object]:
    path = protocol.socket_path(repo)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reply = client.ask(path, {"op": "status", "key": protocol.code_key()}, 10.0)
        if reply is not None:
            return reply
        time.sleep(0.1)
    raise AssertionError("no resident process started")


def test_a_resident_process_answers_as_a_plain_run_would(pushed: Path, runtime: Path) -> None:  # noqa: F811
    commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    line = pre_push_line(pushed)
    plain = hook_run(pushed, line)
    first = hook_run(pushed, line, "--resident")  # none yet: runs plainly, starts one
    assert wait_for_server(pushed)["answered"] == 0
    second = hook_run(pushed, line, "--resident")
    assert wait_for_server(pushed)["answered"] == 1
    assert plain.returncode == first.returncode == second.returncode == 0
    assert plain.stdout == first.stdout == second.stdout
    assert "risk" in second.stdout
    mode = (runtime / "preflight").stat().st_mode & 0o777
    assert mode == 0o700
    assert protocol.socket_path(pushed).stat().st_mode & 0o077 == 0


def test_a_failing_gate_and_the_environment_reach_the_resident_process(pushed: Path, runtime: Path) -> None:  # noqa: F811
    commit(
        pushed, {".preflight.yml": "gate:\n  mode: blocking\n  warn_above: 0\n  fail_above: 0\n"}, "policy"
    )
    git(pushed, "push", "-q", "origin", "main")
    git(pushed, "fetch", "-q", "origin")
    commit(pushed, {"app/core.py": "def f():\n    return 5\n\n\ndef g():\n    return f()\n"})
    line = pre_push_line(pushed)
    hook_run(pushed, line, "--resident")
    wait_for_server(pushed)
    failed = hook_run(pushed, line, "--resident")
    assert failed.returncode == 1, failed.stderr
    assert "FAIL" in failed.stdout
    skipped = hook_run(pushed, line, "--resident", PREFLIGHT_SKIP="1")
    assert skipped.returncode == 0
    assert "skipped (PREFLIGHT_SKIP=1)" in skipped.stdout
    assert wait_for_server(pushed)["answered"] == 2


def test_the_installed_hook_uses_it_and_uninstall_stops_it(pushed: Path, runtime: Path) -> None:  # noqa: F811
    env = {**PUSH_ENV, "XDG_RUNTIME_DIR": str(runtime)}
    assert main(["hook", "install", "--resident", "--repo", str(pushed)]) == 0
    assert "hook run --resident --" in (pushed / ".git" / "hooks" / "pre-push").read_text()
    for value in (2, 3):
        commit(pushed, {"app/core.py": f"def f():\n    return {value}\n\n\ndef g():\n    return f()\n"})
        done = subprocess.run(
            ["git", "push", "-q", "origin", "HEAD:main"], cwd=pushed, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        wait_for_server(pushed)
    assert wait_for_server(pushed)["answered"] == 1
    assert main(["hook", "uninstall", "--repo", str(pushed)]) == 0
    assert client.ask(protocol.socket_path(pushed), {"op": "status", "key": protocol.code_key()}, 5.0) is None


def test_status_and_stop(pushed: Path, runtime: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert main(["hook", "resident", "--repo", str(pushed)]) == 0
    assert "no resident process for" in capsys.readouterr().out
    hook_run(pushed, pre_push_line(pushed), "--resident")
    pid = wait_for_server(pushed)["pid"]
    assert main(["hook", "resident", "--repo", str(pushed)]) == 0
    assert f"resident process {pid} for" in capsys.readouterr().out
    assert main(["hook", "resident", "--stop", "--repo", str(pushed)]) == 0
    assert "stopped" in capsys.readouterr().out
    assert client.ask(protocol.socket_path(pushed), {"op": "status", "key": protocol.code_key()}, 5.0) is None
    assert not protocol.socket_path(pushed).exists()


def test_other_code_is_never_answered_by_it(pushed: Path, runtime: Path) -> None:  # noqa: F811
    hook_run(pushed, pre_push_line(pushed), "--resident")
    wait_for_server(pushed)
    path = protocol.socket_path(pushed)
    assert client.ask(path, {"op": "status", "key": "an upgraded preflight"}, 10.0) == {"stale": True}
    deadline = time.monotonic() + 10
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not path.exists(), "a stale resident process exits"


def test_only_hook_run_is_answered(pushed: Path, runtime: Path) -> None:  # noqa: F811
    hook_run(pushed, pre_push_line(pushed), "--resident")
    wait_for_server(pushed)
    request = {
        "op": "run",
        "key": protocol.code_key(),
        "argv": ["init", "--repo", str(pushed)],
        "cwd": str(pushed),
    }
    reply = client.ask(protocol.socket_path(pushed), request, 10.0)
    assert reply == {"refused": "only `hook run` is answered"}
    assert not (pushed / ".preflight.yml").exists()


def test_a_remote_named_like_the_flag_is_passed_on_untouched() -> None:
    argv = ["hook", "run", "--", "--resident", "url"]
    assert not client.wanted(argv)
    assert client.wanted(["hook", "run", "--resident", "--", "--resident", "url"])
    assert not client.wanted(["hook", "run", "--resident", "--repo", "elsewhere", "--", "origin", "url"])
    assert client.options(["hook", "run", "--resident", "--", "--resident"]) == ["hook", "run", "--resident"]


def test_a_runtime_directory_others_can_use_means_a_plain_run(pushed: Path, runtime: Path) -> None:  # noqa: F811
    (runtime / "preflight").mkdir(mode=0o700)
    (runtime / "preflight").chmod(0o777)
    commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    done = hook_run(pushed, pre_push_line(pushed), "--resident")
    assert done.returncode == 0, done.stderr
    assert "risk" in done.stdout
    assert list((runtime / "preflight").iterdir()) == []
    with pytest.raises(protocol.Unavailable, match="not a private directory"):
        protocol.socket_path(pushed)


def test_a_connection_of_this_user_is_accepted() -> None:
    from preflight.cli import serve

    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert serve._same_user(left)


def test_the_key_changes_when_preflight_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = protocol.code_key()
    assert protocol.code_key() == before
    package = tmp_path / "preflight"
    shutil.copytree(ROOT / "preflight" / "resident", package / "resident")
    monkeypatch.setattr(protocol, "__file__", str(package / "resident" / "protocol.py"))
    copied = protocol.code_key()
    (package / "resident" / "client.py").write_text("# edited\n")
    assert protocol.code_key() != copied

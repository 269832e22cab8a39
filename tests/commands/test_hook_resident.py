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


def test_without_unix_sockets_or_user_ids_the_push_runs_plainly(pushed: Path, runtime: Path) -> None:  # noqa: F811
    """Windows has neither os.getuid nor socket.AF_UNIX: --resident must be a plain run, never a crash."""
    commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    line = pre_push_line(pushed)
    plain = hook_run(pushed, line)
    windows = (
        "import os, socket, sys\n"
        "del os.getuid, socket.AF_UNIX\n"
        "from preflight.launch import main\n"
        "sys.argv[1:] = ['hook', 'run', '--resident', '--', 'origin', 'url']\n"
        "raise SystemExit(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", windows],
        cwd=pushed,
        input=line,
        env={**PUSH_ENV, "XDG_RUNTIME_DIR": str(runtime)},
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout, done.stderr) == (plain.returncode, plain.stdout, plain.stderr)


def test_uninstall_and_status_work_without_unix_sockets(
    pushed: Path,  # noqa: F811
    runtime: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    monkeypatch.delattr(os, "getuid")
    monkeypatch.delattr(socket, "AF_UNIX")
    assert main(["hook", "resident", "--repo", str(pushed)]) == 0
    assert "no resident process can run here" in capsys.readouterr().out
    assert main(["hook", "uninstall", "--repo", str(pushed)]) == 0
    assert "removed" in capsys.readouterr().out


def raw_ask(path: Path, data: bytes) -> dict[str, object] | None:
    """Send bytes as they are (a length prefix and anything) and read one reply."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(30.0)
            connection.connect(str(path))
            connection.sendall(len(data).to_bytes(8, "big") + data)
            return protocol.receive(connection)
    except (OSError, ConnectionError):
        return None


def test_malformed_requests_are_refused_and_the_process_lives_on(pushed: Path, runtime: Path) -> None:  # noqa: F811
    commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    line = pre_push_line(pushed)
    hook_run(pushed, line, "--resident")
    pid = wait_for_server(pushed)["pid"]
    path, key = protocol.socket_path(pushed), protocol.code_key()
    run = {"op": "run", "key": key, "argv": ["hook", "run", "--", "origin", "url"], "stdin": line}
    for bad in (
        {**run, "cwd": str(pushed), "env": "not a mapping"},
        {**run, "cwd": str(pushed), "env": [1, 2, 3]},
        {**run, "cwd": str(pushed), "env": {"A=B": "1"}},
        {**run, "cwd": str(pushed), "env": {"A": "nul\0byte"}},
        {**run, "cwd": str(pushed) + "\0x", "env": {}},
    ):
        reply = client.ask(path, bad, 30.0)
        assert reply is not None and "refused" in reply, bad
    assert raw_ask(path, b"[" * 100_000) is None  # deeper than json can parse: dropped, not fatal
    assert wait_for_server(pushed)["pid"] == pid
    answered = hook_run(pushed, line, "--resident")
    assert answered.returncode == 0 and "risk" in answered.stdout
    assert wait_for_server(pushed)["pid"] == pid


def test_a_terminal_on_standard_input_is_refused_as_in_a_plain_run(pushed: Path, runtime: Path) -> None:  # noqa: F811
    import pty

    leader, follower = pty.openpty()
    try:
        runs = [
            subprocess.run(
                [*PREFLIGHT, "hook", "run", *flags, "--", "origin", "url"],
                cwd=pushed,
                stdin=follower,
                env={**PUSH_ENV, "XDG_RUNTIME_DIR": str(runtime)},
                capture_output=True,
                text=True,
                timeout=60,
            )
            for flags in ((), ("--resident",))
        ]
    finally:
        os.close(leader)
        os.close(follower)
    plain, resident = runs
    assert plain.returncode == 2 and "pre-push input" in plain.stderr
    assert (resident.returncode, resident.stdout, resident.stderr) == (
        plain.returncode,
        plain.stdout,
        plain.stderr,
    )


def test_an_interrupted_wait_ends_as_an_interrupted_plain_run(pushed: Path, runtime: Path) -> None:  # noqa: F811
    """A resident process that never answers (stuck, say): Ctrl-C gives exit 130 and one line."""
    import signal

    path = protocol.socket_path(pushed)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stuck:
        stuck.bind(str(path))
        stuck.listen(1)
        stuck.settimeout(30.0)
        process = subprocess.Popen(
            [*PREFLIGHT, "hook", "run", "--resident", "--", "origin", "url"],
            cwd=pushed,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**PUSH_ENV, "XDG_RUNTIME_DIR": str(runtime)},
            text=True,
        )
        assert process.stdin is not None
        process.stdin.write(pre_push_line(pushed))
        process.stdin.close()
        connection, _ = stuck.accept()
        with connection:
            protocol.receive(connection)  # the request has arrived: the client waits for the answer
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    assert process.stdout is not None and process.stderr is not None
    with process.stdout, process.stderr:
        out, err = process.stdout.read(), process.stderr.read()
    assert (process.returncode, out, err) == (130, "", "preflight: interrupted\n")


def test_a_runtime_directory_in_a_directory_others_can_write_is_refused(pushed: Path, runtime: Path) -> None:  # noqa: F811
    """Another user could rename a private directory away there and put their own in its place."""
    runtime.chmod(0o777)
    try:
        with pytest.raises(protocol.Unavailable, match="others can write"):
            protocol.socket_path(pushed)
        runtime.chmod(0o1777)  # sticky, as /tmp is: only the owner may rename what is in it
        protocol.socket_path(pushed)
    finally:
        runtime.chmod(0o700)


def test_a_push_from_a_subdirectory_uses_the_work_trees_process(pushed: Path, runtime: Path) -> None:  # noqa: F811
    commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    line = pre_push_line(pushed)
    hook_run(pushed, line, "--resident")
    wait_for_server(pushed)
    from_below = hook_run(pushed / "app", line, "--resident")
    assert from_below.returncode == 0 and "risk" in from_below.stdout
    assert wait_for_server(pushed)["answered"] == 1
    assert [p.name for p in (runtime / "preflight").glob("*.sock")] == [protocol.socket_path(pushed).name]


def test_warnings_and_the_temporary_directory_are_each_requests_own(tmp_path: Path) -> None:
    import tempfile as temporary
    import warnings

    from preflight.cli import serve

    shown = []
    with warnings.catch_warnings():
        warnings.simplefilter("default")  # Python's own: each place's warning once per process
        warnings.showwarning = lambda message, *_, **__: print(message, file=sys.stderr)  # not pytest's
        for name in ("first", "second"):
            (tmp_path / name).mkdir()
            out, err = serve._Output(False), serve._Output(False)
            with serve._as_request(str(tmp_path), {"TMPDIR": str(tmp_path / name)}, "", out, err):
                warnings.warn("the same place each time", UserWarning, stacklevel=1)
                where = temporary.gettempdir()
            shown.append(("the same place each time" in err.getvalue(), where))
    assert shown == [(True, str(tmp_path / "first")), (True, str(tmp_path / "second"))]
    assert temporary.gettempdir() != str(tmp_path / "second")


def test_the_key_changes_when_an_installed_package_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pip install -U` of a dependency: the resident process would mix its old and new modules."""
    import site

    packages = tmp_path / "site-packages"
    (packages / "tree_sitter-0.25.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(packages)])
    before = protocol.code_key()
    (packages / "tree_sitter-0.25.0.dist-info").rename(packages / "tree_sitter-0.25.1.dist-info")
    os.utime(packages, ns=(0, packages.stat().st_mtime_ns + 1))  # a coarse clock would not tell
    assert protocol.code_key() != before


def test_uninstall_stops_the_processes_of_every_work_tree(
    pushed: Path,  # noqa: F811
    runtime: Path,
    tmp_path: Path,
) -> None:
    """The hook is shared by a repository's work trees, so each may have started a process."""
    linked = tmp_path / "linked"
    git(pushed, "worktree", "add", "-q", "-b", "other", str(linked))
    assert main(["hook", "install", "--resident", "--repo", str(linked)]) == 0
    for tree in (pushed, linked):
        hook_run(tree, pre_push_line(pushed), "--resident")
        wait_for_server(tree)
    assert protocol.socket_path(pushed) != protocol.socket_path(linked)
    assert main(["hook", "uninstall", "--repo", str(linked)]) == 0
    for tree in (pushed, linked):
        assert (
            client.ask(protocol.socket_path(tree), {"op": "status", "key": protocol.code_key()}, 5.0) is None
        )


def test_a_commit_made_after_a_push_is_indexed_before_the_next_one(pushed: Path, runtime: Path) -> None:  # noqa: F811
    commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    hook_run(pushed, pre_push_line(pushed), "--resident")  # starts it
    wait_for_server(pushed)
    assert hook_run(pushed, pre_push_line(pushed), "--resident").returncode == 0  # answered
    commit(pushed, {"app/core.py": "def f():\n    return 3\n\n\ndef g():\n    return f()\n"})
    deadline = time.monotonic() + 30
    while wait_for_server(pushed)["prepared"] == 0:
        assert time.monotonic() < deadline, "the new commit was not indexed"
        time.sleep(0.2)
    line = pre_push_line(pushed)
    answered = hook_run(pushed, line, "--resident")
    assert wait_for_server(pushed)["answered"] == 2
    plain = hook_run(pushed, line)
    assert answered.returncode == plain.returncode == 0 and answered.stdout == plain.stdout


def test_settling_collects_cycles_and_keeps_what_lives_out_of_later_collections() -> None:
    """While idle the resident process collects the cycles requests left (its collector is off)
    and freezes what is alive, so that no collection walks the held code index during a push."""
    import gc
    import weakref

    from preflight.cli import serve

    class Node:
        pass

    node = Node()
    node.me = node  # type: ignore[attr-defined]  # a cycle only the cyclic collector frees
    gone = weakref.ref(node)
    del node
    alive = Node()
    try:
        serve._settle()
        assert gone() is None
        assert gc.get_freeze_count() > 0 and alive is not None
    finally:
        gc.unfreeze()

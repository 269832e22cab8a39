"""Issue 17 items 6, 7 and 9: host and output safety.

Each test reproduced its defect on the code before the fix, with real git repositories,
real FIFOs, symlinks and directories made under tmp_path (never the machine's /dev/null:
the tests run as root, and before the fix they would have replaced it).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from preflight.cli import main
from tests.conftest import GIT_ENV, commit


@pytest.fixture
def change(git_repo: Path) -> tuple[Path, str]:
    """A repository whose HEAD edits one function; returns (repo, base sha)."""
    base = commit(git_repo, {"app/core.py": "def f():\n    return 1\n"})
    commit(git_repo, {"app/core.py": "def f():\n    return 10\n"})
    return git_repo, base


# Item 6: --output never replaces what is not a regular file.


def test_check_output_to_a_fifo_writes_through_it(
    change: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = change
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    got: list[str] = []

    def read() -> None:
        with fifo.open(encoding="utf-8") as handle:
            got.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    args = ["check", "--repo", str(repo), "--base", base, "--no-callgraph", "--format", "text"]
    assert main([*args, "--output", str(fifo)]) == 0
    reader.join(timeout=30)
    assert got and "app.core.f" in got[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_check_output_dash_is_stdout_not_a_file_named_dash(
    change: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, base = change
    monkeypatch.chdir(tmp_path)
    args = ["check", "--repo", str(repo), "--base", base, "--no-callgraph", "--format", "text"]
    assert main([*args, "--output", "-"]) == 0
    assert "app.core.f" in capsys.readouterr().out
    assert not (tmp_path / "-").exists()


def test_report_output_dash_is_stdout(
    change: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, base = change
    monkeypatch.chdir(tmp_path)
    args = ["report", f"{base}..HEAD", "--repo", str(repo), "--no-callgraph", "--format", "json"]
    assert main([*args, "--output", "-"]) == 0
    assert '"schema_version"' in capsys.readouterr().out
    assert not (tmp_path / "-").exists()


def test_check_output_to_a_dangling_symlink_is_exit_2_and_keeps_the_link(
    change: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = change
    link = tmp_path / "report.md"
    link.symlink_to(tmp_path / "missing" / "report.md")
    assert main(["check", "--repo", str(repo), "--base", base, "--no-callgraph", "--output", str(link)]) == 2
    err = capsys.readouterr().err
    assert f"{link}: a symlink to" in err and "does not exist" in err
    assert link.is_symlink()


def test_backtest_plot_dash_is_refused(
    change: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, _ = change
    monkeypatch.chdir(tmp_path)
    assert main(["backtest", "--repo", str(repo), "--plot", "-"]) == 2
    assert "--plot" in capsys.readouterr().err
    assert not (tmp_path / "-").exists()


# Item 7: control characters in any value stay inert in every text output.

HOSTILE = (
    "x\n::error title=INJECTED::forged\r::warning::y\t\x1b]8;;https://e.example\x07\u202eevil\u2066\x85z"
)
"""A newline-led workflow command, CR, tab, an OSC-8 hyperlink (ESC ... BEL), bidi override and
isolate, and C1 NEL (a line break to some terminals)."""
RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def forged(output: str) -> list[str]:
    """Lines a GitHub Actions runner would read as workflow commands, and raw control characters."""
    found = [f"workflow command: {line!r}" for line in output.split("\n") if line.lstrip().startswith("::")]
    return found + [f"raw {m.group()!r} at {m.start()}" for m in RAW.finditer(output)]


@pytest.fixture
def hostile(git_repo: Path) -> tuple[Path, str]:
    """HEAD adds a module whose file name is HOSTILE, in a commit whose subject is hostile too."""
    base = commit(git_repo, {"app/core.py": "def f():\n    return 1\n"})
    commit(
        git_repo,
        {f"app/{HOSTILE}.py": "def handler():\n    return 2\n", "app/core.py": "def f():\n    return 3\n"},
        message="fix \x1b[2J\u202eevil\u2066 ::error::subject\x07\x85",
    )
    return git_repo, base


@pytest.mark.parametrize(
    "args",
    [
        ["changes"],
        ["check", "--format", "text", "--no-callgraph"],
        ["check", "--format", "text"],
        ["hook", "run", "--no-callgraph"],
    ],
    ids=["changes", "check-text", "check-text-callgraph", "hook-compact"],
)
def test_a_hostile_file_name_forges_nothing_in_text_outputs(
    hostile: tuple[Path, str],
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, base = hostile
    if args[0] == "hook":  # the pre-commit framework's way of naming the range: no stdin needed
        monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
        monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
        assert main([*args, "--repo", str(repo)]) in (0, 1)
    else:
        assert main([*args, "--repo", str(repo), "--base", base]) in (0, 1)
    out, err = capsys.readouterr()
    assert "INJECTED" in out  # the name is shown, escaped
    assert forged(out) == [] and forged(err) == []


def test_the_html_digest_escapes_controls_and_bidi(
    hostile: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = hostile
    assert main(["report", f"{base}..HEAD", "--repo", str(repo), "--format", "html", "--no-callgraph"]) == 0
    page = capsys.readouterr().out
    assert "subject" in page and "<html" in page
    assert [f for f in forged(page) if not f.startswith("raw '\\t'")] == []


def test_the_markdown_digest_escapes_controls_and_bidi(
    hostile: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = hostile
    assert main(["report", f"{base}..HEAD", "--repo", str(repo), "--no-callgraph"]) == 0
    page = capsys.readouterr().out
    assert "subject" in page
    assert forged(page) == []


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--calls", f"{HOSTILE}.csv"],  # an InputError quoting a path
        ["changes", "--repo", HOSTILE],  # click's own usage error quoting a path
        ["check", "--format", HOSTILE],  # click's choice error quoting the value
        ["report", HOSTILE],  # a range that is not A..B
    ],
    ids=["input-error", "click-path", "click-choice", "report-range"],
)
def test_an_error_quoting_a_hostile_value_forges_nothing_on_stderr(
    args: list[str], git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(git_repo, {"a.py": "x = 1\n"})
    monkeypatch.chdir(git_repo)
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert "INJECTED" in err
    assert forged(err) == [] and forged(out) == []


# Item 9: the code index never reads outside the repository, nor follows a symlink.

SECRET = "def secret_outside():\n    return open('/etc/shadow').read()\n"


@pytest.fixture
def linked(git_repo: Path, tmp_path: Path) -> Path:
    """A repository with one module and `linked.py -> ../outside/s.py`, committed as a symlink."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "s.py").write_text(SECRET, encoding="utf-8")
    (git_repo / "linked.py").symlink_to(Path("..") / "outside" / "s.py")
    commit(git_repo, {"app.py": "def main():\n    return 1\n"})
    return git_repo


def test_callgraph_lists_a_symlink_and_does_not_follow_it(
    linked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["callgraph", str(linked), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert "secret_outside" not in out and "main" in out
    assert "linked.py" in err and "symlink" in err
    assert main(["callgraph", str(linked)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 Python files")
    assert "1 symlink not followed: linked.py" in out


def test_callgraph_at_a_revision_never_parses_a_symlink_blob(
    linked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # git stores a symlink as a blob holding its target path ("../outside/s.py"): not Python.
    assert main(["callgraph", str(linked), "--revision", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 Python files") and "1 symlink not followed: linked.py" in out


def test_callgraph_skips_a_fifo_instead_of_hanging(git_repo: Path) -> None:
    commit(git_repo, {"app.py": "def main():\n    return 1\n"})
    os.mkfifo(git_repo / "pipe.py")
    done = subprocess.run(
        [sys.executable, "-m", "preflight", "callgraph", str(git_repo)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**GIT_ENV, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 Python files") and "pipe.py" in done.stdout


def test_callgraph_skips_a_directory_named_like_a_module(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(git_repo, {"app.py": "def main():\n    return 1\n"})
    (git_repo / "odd.py").mkdir()  # rglob("*.py") finds it; it is no file to read
    assert main(["callgraph", str(git_repo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 Python files") and "odd.py" in out

"""The command line: exit codes, errors that say how to fix them, help text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from preflight import pipeline
from preflight.cli import cli, main
from preflight.runtime.schema import TABLES
from scripts import readme as readme_script
from tests.conftest import GIT_ENV, commit, git

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_commits(git_repo: Path) -> tuple[Path, str, str]:
    base = commit(git_repo, {"app/core.py": "def f():\n    return 1\n\ndef g():\n    return 2\n"})
    head = commit(git_repo, {"app/core.py": "def f():\n    return 10\n\ndef g():\n    return 2\n"})
    return git_repo, base, head


def run_cli(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed entry point in a child process, with a clean environment (no GitHub variables)."""
    env = {**GIT_ENV, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )


def test_changes_json_document(
    two_commits: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, head = two_commits
    assert main(["changes", "--repo", str(repo), "--base", base, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] == 1
    assert (doc["base"], doc["head"], doc["merge_base"]) == (base, head, base)
    assert doc["files"] == [
        {
            "path": "app/core.py",
            "old_path": "app/core.py",
            "status": "modified",
            "language": "Python",
            "parsed": "full",
            "added_lines": 1,
            "removed_lines": 1,
            "unparsed": None,
        }
    ]
    assert doc["functions"] == [
        {
            "path": "app/core.py",
            "old_path": "app/core.py",
            "qualname": "app.core.f",
            "old_qualname": "app.core.f",
            "kind": "modified",
            "aspects": ["body"],
            "new_lines": {"start": 1, "end": 2},
            "old_lines": {"start": 1, "end": 2},
            "added_lines": 1,
            "removed_lines": 1,
            "signature_break": None,
            "scope": "function",
            "names": [],
            "read_by": [],
        }
    ]
    assert doc["warnings"] == []


def test_changes_text(two_commits: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    repo, base, _ = two_commits
    assert main(["changes", "--repo", str(repo), "--base", base]) == 0
    out = capsys.readouterr().out
    assert "1 files changed" in out
    assert "~ modified app.core.f [body]  app/core.py:1  +1 -1" in out


def test_check_passes_under_threshold_and_fails_above(
    two_commits: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, _ = two_commits
    assert main(["check", "--repo", str(repo), "--base", base, "--fail-above", "90"]) == 0
    assert "preflight:report" in capsys.readouterr().out
    assert main(["check", "--repo", str(repo), "--base", base, "--fail-above", "0", "--format", "text"]) == 1
    assert re.match(r"FAIL  risk \d+/100 \(low, confidence low\)", capsys.readouterr().out)


def test_check_joins_calls_file(
    two_commits: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, _ = two_commits
    calls = tmp_path / "calls.csv"
    calls.write_text("qualname,calls_per_min\napp.core.f,60000\n", encoding="utf-8")
    assert (
        main(["check", "--repo", str(repo), "--base", base, "--calls", str(calls), "--format", "json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["functions"][0]["calls_per_min"] == 60000
    assert doc["risk"]["confidence"] == "medium"  # two commits of history are too few to trust
    assert "only 1 commit of history before the change (confidence at most medium)" in doc["risk"]["unknowns"]
    assert [f["name"] for f in doc["risk"]["factors"]] == ["defect likelihood", "traffic"]
    assert doc["risk"]["score"] == round(sum(f["points"] for f in doc["risk"]["factors"]))


def test_empty_diff_is_nothing_to_check(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sha = commit(git_repo, {"a.py": "x = 1\n"})
    assert main(["check", "--repo", str(git_repo), "--base", sha, "--fail-above", "0"]) == 0
    assert capsys.readouterr().out == "nothing to check: no files changed\n"
    assert main(["changes", "--repo", str(git_repo), "--base", sha]) == 0
    assert capsys.readouterr().out == "nothing to check: no files changed\n"


def test_not_a_repository_is_exit_2(tmp_path: Path) -> None:
    done = run_cli("changes", "--repo", str(tmp_path))
    assert done.returncode == 2
    assert (
        done.stderr
        == f"preflight: error: {tmp_path}: not a git repository; run preflight inside a checkout or pass --repo\n"
    )


def test_unknown_ref_is_exit_2(two_commits: tuple[Path, str, str]) -> None:
    repo, _, _ = two_commits
    done = run_cli("check", "--repo", str(repo), "--base", "no-such-branch")
    assert done.returncode == 2
    assert "unknown --base ref 'no-such-branch'" in done.stderr
    assert done.stdout == ""


def test_bad_option_is_exit_2(two_commits: tuple[Path, str, str]) -> None:
    repo, _, _ = two_commits
    done = run_cli("check", "--repo", str(repo), "--fail-above", "300")
    assert done.returncode == 2
    assert "--fail-above" in done.stderr and "300" in done.stderr


def test_shallow_clone_is_exit_2_with_the_fix(tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    for i in range(3):
        commit(upstream, {"a.py": f"X = {i}\n"})
    git(upstream, "checkout", "-q", "-b", "feature")
    commit(upstream, {"b.py": "def f():\n    return 1\n"})
    commit(upstream, {"b.py": "def f():\n    return 2\n"})
    git(upstream, "checkout", "-q", "main")
    commit(upstream, {"a.py": "X = 9\n"})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{upstream}", str(clone))
    done = run_cli("changes", "--base", "origin/main", "--head", "origin/feature", cwd=clone)
    assert done.returncode == 2
    assert "fetch-depth: 0" in done.stderr and "--deepen" in done.stderr


def test_bad_calls_file_is_exit_2_and_keeps_the_old_report(
    two_commits: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, base, _ = two_commits
    report = tmp_path / "report.md"
    report.write_text("previous good report\n", encoding="utf-8")
    calls = tmp_path / "calls.csv"
    calls.write_text("qualname,calls_per_min\napp.core.f,lots\n", encoding="utf-8")
    done = run_cli(
        "check", "--repo", str(repo), "--base", base, "--calls", str(calls), "--output", str(report)
    )
    assert done.returncode == 2
    assert f"{calls}:2: calls_per_min 'lots' is not a number" in done.stderr
    assert report.read_text(encoding="utf-8") == "previous good report\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_output_file_is_written(two_commits: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, base, _ = two_commits
    report = tmp_path / "out" / "report.json"
    done = run_cli("check", "--repo", str(repo), "--base", base, "--format", "json", "--output", str(report))
    assert done.returncode == 0 and done.stdout == ""
    assert json.loads(report.read_text(encoding="utf-8"))["functions"][0]["qualname"] == "app.core.f"


def test_pre_push_reads_stdin(two_commits: tuple[Path, str, str]) -> None:
    repo, base, head = two_commits
    stdin = f"refs/heads/main {head} refs/heads/main {base}\n"
    done = run_cli(
        "changes", "--repo", str(repo), "--pre-push", "--remote", "origin", "--format", "json", stdin=stdin
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["merge_base"], doc["head"], doc["base_source"]) == (base, head, "pre-push")
    assert [f["qualname"] for f in doc["functions"]] == ["app.core.f"]


def test_internal_error_is_exit_3_with_saved_traceback(
    two_commits: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, _ = two_commits

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pipeline, "check", broken)  # stands in for any bug below the CLI
    assert main(["check", "--repo", str(repo), "--base", base]) == 3
    err = capsys.readouterr().err
    saved = re.search(r"saved in (\S+);", err)
    assert saved is not None, err
    path = Path(saved.group(1))
    assert "ZeroDivisionError: a bug" in path.read_text(encoding="utf-8")
    path.unlink()


def test_interrupt_is_exit_130(
    two_commits: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, _ = two_commits

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "check", interrupted)
    assert main(["check", "--repo", str(repo), "--base", base]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_every_command_has_help() -> None:
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help text"
        result = CliRunner().invoke(cli, [name, "--help"], prog_name="preflight")
        assert result.exit_code == 0


def test_readme_generated_parts_are_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    helps = set(re.findall(r"<!-- help:(\S*) -->", readme))
    assert helps == {"", *cli.commands}, "README needs one help block per command"
    assert set(re.findall(r"<!-- schema:(\S+) -->", readme)) == set(TABLES)
    assert readme_script.render(readme) == readme, "README is stale: run `python scripts/readme.py`"


def test_version() -> None:
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("preflight, version ")


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "preflight"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=GIT_ENV)
    assert done.returncode == 0 and "changes" in done.stdout


def test_the_backtest_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    from preflight.cli import _stage_progress

    _stage_progress("features", 1500, 6000)
    _stage_progress("szz", 7, 0)
    err = capsys.readouterr().err
    assert "features: [#######.......................]  25% 1,500/6,000" in err
    assert err.endswith("szz: 7")  # no bar without a total (click drops the escape off a terminal)

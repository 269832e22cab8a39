"""`check` counts production code only: functions in tests (and docs, examples, ...) are never
entry points, callers, reach paths or sources of inferred traffic, and a change to them alone
scores as a test change. Real git repositories, the real code index and tree-sitter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.cli import main
from tests.conftest import commit

UTILS = """def echo(message):
    return message


def render(value):
    return echo(value)
"""
CLI = """import click

from app.utils import echo


@click.command()
def main():
    echo("hello")
"""
# click's own tests define commands inside test functions: 309 of them in click 8.2.0
TESTS = """import click

from app.utils import echo

echo("at import")


def test_echo():
    @click.command()
    def cli():
        echo("from a test command")

    @click.group()
    def group():
        pass

    echo("direct")


def helper():
    return echo("helper")
"""
BASE = {"app/__init__.py": "", "app/utils.py": UTILS, "app/cli.py": CLI, "tests/test_utils.py": TESTS}
# echo takes a new required parameter, and render (one of its callers) is updated with it
HEAD = {
    "app/utils.py": UTILS.replace("def echo(message):", "def echo(message, err):").replace(
        "return echo(value)", "return echo(value, False)"
    )
}
CALLS = "qualname,calls_per_min\ntests.test_utils.helper,5000\napp.utils.render,12\n"


def check(repo: Path, base: str, capsys: pytest.CaptureFixture[str], *args: str, fmt: str = "json") -> str:
    code = main(["check", "--repo", str(repo), "--base", base, "--format", fmt, *args])
    assert code == 0
    return capsys.readouterr().out


def function(doc: dict[str, Any], qualname: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in doc["functions"] if f["qualname"] == qualname)
    return found


@pytest.fixture(autouse=True)
def no_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)


def test_test_code_is_never_an_entry_point_caller_path_or_traffic_source(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = commit(git_repo, BASE)
    commit(git_repo, HEAD)
    calls = tmp_path / "calls.csv"
    calls.write_text(CALLS, encoding="utf-8")
    doc = json.loads(check(git_repo, base, capsys, "--calls", str(calls)))
    echo = function(doc, "app.utils.echo")
    # production callers: render (updated with the change, so not at risk) and the CLI's main
    assert echo["callers"] == 1
    assert echo["callers_updated"] == 1
    # test_echo, its nested command cli, helper and the test module's import-time call
    assert echo["callers_left_out"] == 4
    assert doc["left_out"] == {"callers": 4, "entry_points": 2}  # cli and group in test_echo
    assert [r["entry"] for r in echo["reached_from"]] == ["app.cli.main"]
    assert echo["reached_from"][0]["path"] == ["app.cli.main", "app.utils.echo"]
    # helper's 5,000 calls/min are a test's: only render's 12 are inferred
    assert echo["inferred"]["calls_per_min"] == 12
    assert echo["inferred"]["callers"] == [{"qualname": "app.utils.render", "calls_per_min": 12}]
    assert echo["inferred"]["unknown_callers"] == 1  # main, without runtime data
    assert echo["production"] is True
    callers = next(f for f in doc["risk"]["factors"] if f["name"] == "callers")
    assert callers["detail"].endswith("; 1 caller the change did not update")  # not the 4 in tests


def test_the_report_says_what_was_left_out(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = commit(git_repo, BASE)
    commit(git_repo, HEAD)
    line = "left out as non-production (tests, docs, examples, benchmarks, scripts): 4 callers of the changed functions and 2 entry points"
    assert line in check(git_repo, base, capsys, fmt="text").splitlines()
    markdown = check(git_repo, base, capsys, fmt="markdown")
    details = markdown[markdown.index("<details><summary>Details</summary>") :]
    assert "\n" + line[0].upper() + line[1:] + ".\n" in details


def test_changed_test_functions_are_counted_not_listed_beside_production_ones(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = commit(git_repo, BASE)
    commit(git_repo, {**HEAD, "tests/test_utils.py": TESTS.replace('echo("helper")', 'echo("helper", 1)')})
    assert (
        function(json.loads(check(git_repo, base, capsys)), "tests.test_utils.helper")["production"] is False
    )
    markdown = check(git_repo, base, capsys, fmt="markdown")
    assert "tests.test_utils" not in markdown.replace("\\", "") and "app\\.utils\\.echo" in markdown
    assert (
        "1 changed function in non-production code (tests, docs, examples, benchmarks, scripts) not listed: "
        "the JSON report has it." in markdown
    )


def test_paths_production_makes_a_test_path_production_again(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = "paths:\n  production:\n    - tests/test_utils.py\n"
    base = commit(git_repo, {**BASE, ".preflight.yml": config})
    commit(git_repo, HEAD)
    doc = json.loads(check(git_repo, base, capsys))
    echo = function(doc, "app.utils.echo")
    assert echo["callers"] == 5
    assert echo["callers_left_out"] == 0
    assert doc["left_out"] == {"callers": 0, "entry_points": 0}
    assert "tests.test_utils.test_echo.cli" in [r["entry"] for r in echo["reached_from"]]


def test_paths_non_production_adds_to_the_defaults(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = "paths:\n  non_production: [app/cli.py]\n"
    base = commit(git_repo, {**BASE, ".preflight.yml": config})
    commit(git_repo, HEAD)
    doc = json.loads(check(git_repo, base, capsys))
    echo = function(doc, "app.utils.echo")
    assert (echo["callers"], echo["callers_left_out"]) == (0, 5)  # main joins the tests
    assert doc["left_out"]["entry_points"] == 3
    assert echo["reached_from"] == []


def test_a_tests_only_change_scores_as_a_test_change(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = commit(git_repo, BASE)
    commit(git_repo, {"tests/test_utils.py": TESTS.replace('echo("helper")', 'echo("helper", 1)')})
    doc = json.loads(check(git_repo, base, capsys))
    helper = function(doc, "tests.test_utils.helper")
    assert helper["kind"] == "modified"
    assert helper["production"] is False
    assert [f["name"] for f in doc["risk"]["factors"]] == ["defect likelihood"]
    assert not any("no runtime data" in u for u in doc["risk"]["unknowns"])
    text = check(git_repo, base, capsys, fmt="text")
    assert "test-only change: every changed function is in non-production code" in text
    assert "(not production: not scored)" in text
    markdown = check(git_repo, base, capsys, fmt="markdown")
    headline = markdown.split("\n\n", 1)[0]
    assert "**Why:** a test-only change: every changed function is in non-production code" in headline


def test_the_same_change_in_production_code_is_scored(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The counterpart of the test above: without the tests/ path the same edit costs points."""
    moved = {"app/helpers.py": TESTS}
    base = commit(git_repo, {**BASE, **moved})
    commit(git_repo, {"app/helpers.py": TESTS.replace('echo("helper")', 'echo("helper", 1)')})
    doc = json.loads(check(git_repo, base, capsys))
    assert function(doc, "app.helpers.helper")["production"] is True
    assert "unknown traffic" in [f["name"] for f in doc["risk"]["factors"]]


def test_a_tests_only_change_needs_no_runtime_data_under_a_closed_gate(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = "gate:\n  mode: blocking\n  missing_runtime: closed\n"
    base = commit(git_repo, {**BASE, ".preflight.yml": closed})
    tests_only = commit(git_repo, {"tests/test_utils.py": TESTS.replace("helper", "helps")})
    args = ["check", "--repo", str(git_repo), "--format", "json", "--base"]
    assert main([*args, base, "--head", tests_only]) == 0
    capsys.readouterr()
    commit(git_repo, HEAD)  # production code without runtime data: the closed gate fails it
    assert main([*args, tests_only]) == 1

"""Golden files for the outputs beside the PR comment (issue 18 Build 5): the JSON document of
tests/golden/check.md's sample, the pre-push hook's compact lines and `simulate`'s text, each from a
fixed input; `pytest --update-golden` rewrites them for review as a diff."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.report import document
from tests import conftest
from tests.commands.test_simulate import GRAPH
from tests.conftest import commit
from tests.report.test_golden_real import CLI, HEAD, TESTS, UTILS
from tests.report.test_report import sample

Golden = Callable[[str, str], None]
DATE = "2025-01-01T12:00:00+00:00"


@pytest.fixture
def fixed_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits with one author and committer date: their shas are the same on every run."""
    monkeypatch.setitem(conftest.GIT_ENV, "GIT_AUTHOR_DATE", DATE)
    monkeypatch.setitem(conftest.GIT_ENV, "GIT_COMMITTER_DATE", DATE)


def test_json_document_golden(golden: Golden) -> None:
    """`check --format json` of check.md's sample."""
    golden("check.json", document.dumps(document.check_document(sample())))


@pytest.mark.usefixtures("fixed_dates")
def test_hook_compact_golden(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], golden: Golden
) -> None:
    """`hook run` under the pre-commit framework on test_golden_real's change: a signature break."""
    base = commit(
        git_repo,
        {"app/__init__.py": "", "app/utils.py": UTILS, "app/cli.py": CLI, "tests/test_utils.py": TESTS},
    )
    head = commit(git_repo, HEAD)
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_PATH", "NO_COLOR", "PREFLIGHT_SKIP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", head)
    assert main(["hook", "run", "--repo", str(git_repo)]) == 0
    out = capsys.readouterr().out
    assert head in out and base[:12] in out
    golden("hook.txt", out.replace(head, "HEAD_SHA").replace(head[:12], "HEAD").replace(base[:12], "BASE"))


def test_simulate_text_golden(tmp_path: Path, capsys: pytest.CaptureFixture[str], golden: Golden) -> None:
    """`simulate --graph` with a range and a fixed fault, seed 0."""
    graph = tmp_path / "graph.csv"
    graph.write_text(GRAPH, encoding="utf-8")
    faults = ["--inject", "checkout:error=0.1..0.3", "--inject", "cart:latency=20ms"]
    assert main(["simulate", "--graph", str(graph), *faults, "--trials", "500", "--seed", "0"]) == 0
    golden("simulate.txt", capsys.readouterr().out)

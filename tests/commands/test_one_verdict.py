"""One verdict word (issue 16 point 3): every output of one check says the same word as the
JSON decision, and `fail` exactly when the exit code is 1."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest

from preflight import config, exposure, pipeline
from preflight.changes.revisions import resolve
from preflight.cli import main
from preflight.models import CheckResult, Verdict
from preflight.report.compact import check_compact
from preflight.repository import Repository
from preflight.sinks import checkruns, workflow
from tests.conftest import commit

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
CODE = "def f():\n    return 1\n\n\ndef g():\n    return f()\n"
CHANGED = "def f():\n    return 10\n\n\ndef g():\n    return f() + 1\n"
POLICIES = {
    # (policy at the base, expected verdict, expected exit code)
    "advisory over its fail threshold": (
        "gate:\n  mode: advisory\n  warn_above: 0\n  fail_above: 1\n",
        "warn",
        0,
    ),
    "blocking over its fail threshold": (
        "gate:\n  mode: blocking\n  warn_above: 0\n  fail_above: 1\n",
        "fail",
        1,
    ),
    "blocking over its warn threshold": (
        "gate:\n  mode: blocking\n  warn_above: 1\n  fail_above: 99\n",
        "warn",
        0,
    ),
    "under every threshold": ("gate:\n  mode: blocking\n  warn_above: 98\n  fail_above: 99\n", "pass", 0),
}


def words(repo: Path, base: str, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, str], set[int]]:
    """The verdict word each format shows, and the exit codes of the runs."""
    found: dict[str, str] = {}
    codes = set()
    for fmt in ("json", "markdown", "text"):
        codes.add(main(["check", "--repo", str(repo), "--base", base, "--format", fmt, "--no-callgraph"]))
        out = capsys.readouterr().out
        if fmt == "json":
            found[fmt] = json.loads(out)["decision"]["verdict"]
        elif fmt == "markdown":
            heading = next(line for line in out.splitlines() if line.startswith("### "))
            found[fmt] = re.search(r"preflight: (\w+) ·", heading).group(1).lower()  # type: ignore[union-attr]
        else:
            found[fmt] = out.split()[0].lower()
    # the release digest over the same one change, judged by the same base policy
    main(["report", f"{base}..HEAD", "--repo", str(repo), "--format", "json", "--no-callgraph"])
    (row,) = json.loads(capsys.readouterr().out)["changes"]
    found["digest"] = row["verdict"]
    # the pre-push hook's compact lines, from the same pipeline and base policy
    with Repository(repo) as opened:
        revisions = resolve(opened, base, None, {})
        settings = config.Config(gate=config.from_revision(opened, base).gate)
        result = pipeline.check(pipeline.Stages(opened, exposure.load(), settings), revisions, NOW)
    found["compact"] = check_compact(result).split()[1].lower()
    return found, codes


@pytest.mark.parametrize("case", POLICIES)
def test_every_format_says_the_one_verdict_and_fail_means_exit_1(
    case: str, git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    policy, expected, exit_code = POLICIES[case]
    base = commit(git_repo, {".preflight.yml": policy, "app.py": CODE})
    commit(git_repo, {"app.py": CHANGED})
    found, codes = words(git_repo, base, capsys)
    assert set(found.values()) == {expected}, found
    assert codes == {exit_code}
    assert (expected == "fail") == (exit_code == 1)


def test_an_advisory_warn_says_it_would_fail_in_blocking_mode(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(
        git_repo, {".preflight.yml": POLICIES["advisory over its fail threshold"][0], "app.py": CODE}
    )
    commit(git_repo, {"app.py": CHANGED})
    main(["check", "--repo", str(git_repo), "--base", base, "--format", "text", "--no-callgraph"])
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("WARN ") and first.endswith(
        "it would fail in blocking mode (this gate is advisory)"
    )


def _result(verdict: Verdict) -> CheckResult:
    from tests.sinks.results import function, result

    return result(function("app.core.f"), score=60, verdict=verdict)


@pytest.mark.parametrize(
    ("verdict", "conclusion", "level"),
    [("pass", "success", "notice"), ("warn", "neutral", "warning"), ("fail", "failure", "error")],
)
def test_the_github_outputs_follow_the_verdict(verdict: Verdict, conclusion: str, level: str) -> None:
    results = [_result(verdict)]
    assert checkruns.conclusion(results) == conclusion
    assert checkruns.title(results).endswith(f": {verdict}")
    assert {a.level for a in workflow.annotate(results)} == {level}
    values = workflow.outputs(results, results[0], None)
    assert values["decision"] == verdict and values["passed"] == ("false" if verdict == "fail" else "true")


def test_the_worst_verdict_decides_a_list_of_results() -> None:
    # a warning with a lower score outranks a pass with a higher one
    results = [_result("pass"), _result("warn")]
    assert checkruns.conclusion(results) == "neutral"
    assert checkruns.title(results).endswith(": warn")

"""`preflight report A..B`: the release digest, end to end on real repositories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.cli import main
from tests.conftest import commit, git
from tests.digest import release


@pytest.fixture
def shop(git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[release.Release, Path]:
    """The release history and a snapshot collected from its telemetry tables."""
    built = release.build(git_repo)
    return built, release.snapshot(built.repo, tmp_path, capsys)


def report(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["report", *args, "--format", "json"]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def test_json_digest_totals_hot_functions_and_slos(
    shop: tuple[release.Release, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    built, snap = shop
    doc = report(capsys, f"{built.base}..{built.head}", "--repo", str(built.repo), "--snapshot", str(snap))
    assert (doc["schema_version"], doc["base"], doc["head"]) == (1, built.base, built.head)
    assert [(c["kind"], c["number"]) for c in doc["changes"]] == [
        ("merge", 11),
        ("squash", 12),
        ("commit", None),
        ("merge", 13),
        ("commit", None),
    ]
    totals = doc["totals"]
    assert totals["changes"] == 5 and sum(totals["by_level"].values()) == 5
    assert sum(totals["by_verdict"].values()) == 5
    # cart.add, cart.view, checkout.charge and the function in the hostile file; the last two
    # have no runtime data, so the traffic touched is cart.add's and checkout.charge's
    assert (totals["functions"], totals["functions_unknown"]) == (4, 2)
    assert totals["calls_per_min"] == pytest.approx(660)
    hot = [(h["qualname"], h["service"], h["calls_per_min"], h["changes"]) for h in doc["hot_functions"]]
    assert hot == [
        ("shop.cart.add", "cart", 600, ["#11", "#13"]),
        ("shop.checkout.charge", "checkout", 60, ["#11", "#12"]),
        ("shop.x<img src=x onerror=alert(2)>.run", None, None, ["#13", built.direct[:7]]),
    ]
    slos = {s["name"]: s for s in doc["slos_at_risk"]}
    # checkout's SLO is at risk from the changes that run code in checkout, not from #13, which
    # leaves it as it is (its budget is low either way)
    assert slos["checkout-availability"]["changes"] == ["#11", "#12"]
    assert slos["checkout-availability"]["budget_remaining"] == pytest.approx(0.1)
    assert "front-door" in slos
    services = {s["service"]: s for s in doc["services"]}
    assert services["cart"]["calls_per_min"] == 600 and services["cart"]["changes"] == ["#11", "#13"]
    assert services["frontend"]["functions"] == 0 and services["frontend"]["affected_by"]
    edges = {(e["caller"], e["callee"]) for e in doc["service_graph"]}
    assert edges == {("frontend", "cart"), ("frontend", "checkout"), ("checkout", release.EVIL_SERVICE)}
    docs_change = doc["changes"][2]
    assert docs_change["check"]["functions"] == [] and docs_change["level"] == "low"


def test_each_change_scores_as_check_does_at_its_parent(
    shop: tuple[release.Release, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    built, snap = shop
    doc = report(capsys, f"{built.base}..{built.head}", "--repo", str(built.repo), "--snapshot", str(snap))
    for change in doc["changes"]:
        args = ["check", "--repo", str(built.repo), "--base", change["parent"], "--head", change["sha"]]
        main([*args, "--snapshot", str(snap), "--format", "json"])
        alone = json.loads(capsys.readouterr().out)
        assert change["check"]["risk"] == alone["risk"], change["title"]
        assert change["check"]["decision"] == alone["decision"]


def test_the_gate_policy_comes_from_each_change_s_parent(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = commit(git_repo, {"app.py": "def f():\n    return 1\n"})
    strict = "gate:\n  mode: blocking\n  warn_above: 0\n  fail_above: 1\n"
    commit(git_repo, {".preflight.yml": strict, "app.py": "def f():\n    return 2\n"}, "Strict gate (#1)")
    commit(git_repo, {"app.py": "def f():\n    return 3\n"}, "Later (#2)")
    doc = report(capsys, f"{start}..HEAD", "--repo", str(git_repo), "--no-callgraph")
    first, second = doc["changes"]
    # the change that brings the strict policy is judged by the one before it
    assert first["verdict"] == "pass" and first["score"] > 1
    assert second["verdict"] == "fail"


def test_markdown_and_html_files(
    shop: tuple[release.Release, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built, snap = shop
    spec = f"{built.base}..{built.head}"
    args = ["report", spec, "--repo", str(built.repo), "--snapshot", str(snap)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.startswith("## preflight release digest")
    assert '| #11 | &lt;b&gt;bold&lt;/b&gt; &amp; "quotes" &lt;script&gt;' in text
    assert "<script>" not in text and "<img" not in text
    page = tmp_path / "out" / "digest.html"
    assert main([*args, "--format", "html", "--output", str(page)]) == 0
    assert capsys.readouterr().out.startswith(f"5 changes in {spec} (")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_an_empty_range_says_so(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(git_repo, {"a.py": "x = 1\n"})
    assert main(["report", "HEAD..HEAD", "--repo", str(git_repo)]) == 0
    assert "No changes in this range: HEAD\\.\\.HEAD has no commits" in capsys.readouterr().out
    doc = report(capsys, "HEAD..HEAD", "--repo", str(git_repo))
    assert doc["changes"] == [] and doc["totals"]["changes"] == 0
    out = git_repo.parent / "empty.html"
    assert (
        main(["report", "HEAD..HEAD", "--repo", str(git_repo), "--format", "html", "--output", str(out)]) == 0
    )
    assert (
        capsys.readouterr().out
        == f"no changes in HEAD..HEAD: nothing merged between its ends; written to {out}\n"
    )
    assert 'id="empty"' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("main", "range 'main': expected A..B"),
        ("v1.0..HEAD", "range 'v1.0..HEAD': 'v1.0' names no commit"),
        ("HEAD..nope", "range 'HEAD..nope': 'nope' names no commit"),
    ],
)
def test_a_bad_range_is_exit_2_naming_it(
    git_repo: Path, capsys: pytest.CaptureFixture[str], spec: str, message: str
) -> None:
    commit(git_repo, {"a.py": "x = 1\n"})
    assert main(["report", spec, "--repo", str(git_repo)]) == 2
    err = capsys.readouterr().err
    assert message in err and ("A..B" in err or "fetch it" in err)


def test_bad_inputs_are_exit_2(git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(git_repo, {"a.py": "x = 1\n"})
    assert main(["report", "HEAD..HEAD", "--repo", str(git_repo), "--calls", str(tmp_path / "no.csv")]) == 2
    assert "--calls" in capsys.readouterr().err
    assert main(["report", "HEAD..HEAD", "--repo", str(tmp_path)]) == 2
    assert "not a git repository" in capsys.readouterr().err


def test_calls_csv_without_services(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = commit(git_repo, {"app.py": "def f():\n    return 1\n"})
    commit(git_repo, {"app.py": "def f():\n    return 2\n"}, "One (#1)")
    git(git_repo, "commit", "-q", "--allow-empty", "-m", "Empty (#2)")
    calls = tmp_path / "calls.csv"
    calls.write_text("qualname,calls_per_min\napp.f,120\n", encoding="utf-8")
    doc = report(capsys, f"{start}..HEAD", "--repo", str(git_repo), "--calls", str(calls))
    assert doc["runtime_source"] == str(calls) and doc["service_graph"] == []
    assert doc["totals"]["calls_per_min"] == 120 and doc["hot_functions"] == []
    assert [s["service"] for s in doc["services"]] == [None]  # traffic known, service not
    assert [c["title"] for c in doc["changes"]] == ["One", "Empty"]

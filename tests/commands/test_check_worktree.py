"""`preflight check --worktree` (and `changes --worktree`): uncommitted edits checked before a
commit, on the shop example, with the same numbers as the same edit committed on a branch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.cli import main
from preflight.commands import demo
from tests.conftest import git

SCENARIO = "hot-checkout-path"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop example on main, its scenario on a branch, and the same patch uncommitted on main."""
    repo = tmp_path_factory.mktemp("worktree") / "shop"
    chosen = tuple(s for s in demo.SCENARIOS if s.name == SCENARIO)
    demo.build(repo, demo.EXAMPLE, chosen)
    git(repo, "checkout", "-q", "main")
    git(repo, "apply", str(demo.EXAMPLE / "scenarios" / f"{SCENARIO}.patch"))
    return repo


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


def test_check_worktree_scores_the_uncommitted_edit_as_the_committed_one(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = git(shop, "status", "--porcelain")
    code, worktree = _json(capsys, "check", "--repo", str(shop), "--worktree", "--format", "json")
    _, branch = _json(
        capsys,
        "check",
        "--repo",
        str(shop),
        "--base",
        "main",
        "--head",
        f"scenario/{SCENARIO}",
        "--format",
        "json",
    )
    assert git(shop, "status", "--porcelain") == status  # nothing written, nothing staged

    assert (worktree["head_ref"], worktree["base_ref"]) == ("WORKTREE", "main")
    assert worktree["head"] == worktree["merge_base"] == git(shop, "rev-parse", "main")
    assert worktree["files"] == branch["files"]
    assert worktree["functions"] == branch["functions"]  # exposure, reach and inferred traffic
    assert worktree["impact"] == branch["impact"]
    # the history features read the uncommitted edits as the commit they would be
    found, expected = worktree["risk"]["likelihood"], branch["risk"]["likelihood"]
    assert found is not None and expected is not None
    personal = {"author_experience", "author_file_experience", "age_days"}  # who commits, and when

    def drivers(likelihood: dict[str, Any]) -> dict[str, float]:
        return {d["feature"]: d["value"] for d in likelihood["drivers"] if d["feature"] not in personal}

    assert drivers(found) == drivers(expected) and drivers(found)["prod_lines_added"] > 0
    assert found["probability"] == pytest.approx(expected["probability"], abs=0.03)
    assert any("uncommitted edits scored as one change" in note for note in found["notes"])
    assert code == (0 if worktree["decision"]["passed"] else 1)


def test_changes_worktree_lists_the_edit_and_refuses_head(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, found = _json(capsys, "changes", "--repo", str(shop), "--worktree", "--format", "json")
    assert code == 0
    assert [f["path"] for f in found["files"]] == ["shop/currency.py", "shop/money.py"]
    assert main(["check", "--repo", str(shop), "--worktree", "--head", "main"]) == 2
    assert (
        "--worktree checks the work tree against --base; drop --head and --pre-push"
        in capsys.readouterr().err
    )

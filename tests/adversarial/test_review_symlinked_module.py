"""Review of issue 17 item 2 (and 9's fix): a production module replaced by a symlink is a change.

Python imports through symlinks, so `app.py -> real.py` (or `-> tests/impl.py`) replaces the
module's code. Repository.python_files now skips symlink entries, and the diff lists app.py as
`type-changed`, language `symlink`, parsed `no`, but with no unknown: the strictest gate
(fail_above: 1) passes with score 1, "nothing changed", which item 2 says must never happen.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from preflight.cli import main
from tests.conftest import commit, git

STRICT = "gate:\n  mode: blocking\n  warn_above: 0\n  fail_above: 1\n"


def check(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(
        ["check", "--repo", str(repo), "--base", "main", "--head", "f", "--format", "json", "--no-callgraph"]
    )
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("target", ["real.py", "tests/impl.py"])
def test_a_module_replaced_by_a_symlink_is_not_nothing(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    for name in ("GITHUB_EVENT_PATH", "GITHUB_BASE_REF", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    commit(
        git_repo,
        {
            ".preflight.yml": STRICT,
            "app.py": "def f():\n    return 1\n",
            "real.py": "def f():\n    return 2\n",
            "tests/impl.py": "def f():\n    return 3\n",
        },
    )
    git(git_repo, "checkout", "-q", "-b", "f")
    (git_repo / "app.py").unlink()
    os.symlink(target, git_repo / "app.py")  # `import app` now runs the other file's code
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "app.py: a link")
    code, doc = check(git_repo, capsys)
    unknowns = doc["risk"]["unknowns"]
    assert any("app.py" in u for u in unknowns), (doc["risk"], doc["files"])
    assert code == 1, doc["decision"]  # unknown code fails a blocking gate (gate.unparsed: closed)

"""`preflight changes`: the changed files and functions as JSON or text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.cli import main


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

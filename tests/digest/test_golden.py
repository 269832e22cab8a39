"""The Markdown release digest (`preflight report A..B`) as a golden file (issue 18 Build 5): the
history of tests/digest/release.py with fixed commit dates, so its shas are the same on every run."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.cli import main
from tests import conftest
from tests.conftest import git
from tests.digest import release

DATE = "2025-01-01T12:00:00+00:00"


def test_markdown_digest_golden(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    golden: Callable[[str, str], None],
) -> None:
    monkeypatch.setitem(conftest.GIT_ENV, "GIT_AUTHOR_DATE", DATE)
    monkeypatch.setitem(conftest.GIT_ENV, "GIT_COMMITTER_DATE", DATE)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    built = release.build(repo)
    snap = release.snapshot(repo, tmp_path, capsys)
    assert main(["report", f"{built.base}..{built.head}", "--repo", str(repo), "--snapshot", str(snap)]) == 0
    out = capsys.readouterr().out
    # the snapshot's directory (Markdown-escaped) is the one part that varies from run to run
    masked, count = re.subn(r"runtime data in \S+/snapshot ", "runtime data in SNAPSHOT ", out)
    assert count == 1
    golden("digest.md", masked)

"""`preflight callgraph`: the static call graph of a directory or a revision, as JSON or a summary."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from preflight.commands import callgraph
from preflight.errors import GitError, InputError
from tests.conftest import commit

CODE = {
    "app/__init__.py": "",
    "app/core.py": "def helper():\n    return 1\n\n\ndef main():\n    return helper()\n",
}


def test_json_is_pycgs_adjacency_list(git_repo: Path) -> None:
    commit(git_repo, CODE)
    out = io.StringIO()
    assert callgraph.run(git_repo, "json", out, {}) == 0
    graph = json.loads(out.getvalue())
    assert "app.core.helper" in graph["app.core.main"]


def test_text_summary_counts_files_functions_and_edges(git_repo: Path) -> None:
    commit(git_repo, CODE)
    out = io.StringIO()
    assert callgraph.run(git_repo, "text", out, {}) == 0
    text = out.getvalue()
    assert text.startswith("2 Python files")
    assert "call sites not resolved (counted, never guessed)" in text


def test_a_revision_reads_the_commit_not_the_disk(git_repo: Path) -> None:
    first = commit(git_repo, CODE)
    commit(git_repo, {"app/core.py": "def helper():\n    return 1\n"})
    out = io.StringIO()
    assert callgraph.run(git_repo, "json", out, {}, revision=first) == 0
    assert "app.core.main" in json.loads(out.getvalue())
    now = io.StringIO()
    assert callgraph.run(git_repo, "json", now, {}) == 0
    assert "app.core.main" not in json.loads(now.getvalue())


def test_bad_paths_and_revisions_are_errors(git_repo: Path) -> None:
    commit(git_repo, CODE)
    with pytest.raises(InputError, match="not a directory"):
        callgraph.run(git_repo / "missing", "text", io.StringIO(), {})
    with pytest.raises(GitError, match="unknown --revision 'nope'"):
        callgraph.run(git_repo, "text", io.StringIO(), {}, revision="nope")

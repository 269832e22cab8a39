"""The code index cache: content-addressed by blob id, warm runs parse only what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.callgraph import cache
from preflight.callgraph.entrypoints import Pattern
from preflight.cli import main
from preflight.repository import Repository
from tests.conftest import commit

FILES = {
    "app/__init__.py": "",
    "app/views.py": (
        "from flask import Flask\nfrom app.cart import total\n\napp = Flask(__name__)\n\n\n"
        "@app.get('/cart')\ndef cart():\n    return total([1, 2])\n"
    ),
    "app/cart.py": "def total(items):\n    return sum(items)\n",
    "app/jobs.py": "import myfw\n\n\n@myfw.every('1h')\ndef nightly():\n    pass\n",
}


def test_cold_then_warm_then_one_change(git_repo: Path, tmp_path: Path) -> None:
    first = commit(git_repo, FILES)
    store = tmp_path / "cache"
    with Repository(git_repo) as repo:
        cold = cache.index(repo, first, store)
        assert (cold.stats.files, cold.stats.parsed) == (4, 4)
        assert cold.graph.to_pycg()["app.views.cart"] == ["app.cart.total"]
        assert [(e.kind, e.detail, e.qualname) for e in cold.entry_points] == [
            ("http", "GET /cart", "app.views.cart")
        ]
        warm = cache.index(repo, first, store)
        assert warm.stats.parsed == 0
        assert warm.graph.to_pycg() == cold.graph.to_pycg() and warm.entry_points == cold.entry_points
        second = commit(git_repo, {"app/cart.py": "def total(items):\n    return round(sum(items), 2)\n"})
        changed = cache.index(repo, second, store)
        assert changed.stats.parsed == 1
        assert "<builtin>.round" in changed.graph.to_pycg()["app.cart.total"]


def test_patterns_are_part_of_the_key(git_repo: Path, tmp_path: Path) -> None:
    sha = commit(git_repo, FILES)
    store = tmp_path / "cache"
    with Repository(git_repo) as repo:
        plain = cache.index(repo, sha, store)
        custom = cache.index(repo, sha, store, patterns=(Pattern("myfw.every", "task"),))
    assert "app.jobs.nightly" not in {e.qualname for e in plain.entry_points}
    assert ("task", "app.jobs.nightly") in {(e.kind, e.qualname) for e in custom.entry_points}
    assert custom.stats.parsed == 4  # entry points recomputed with the new patterns


def test_a_corrupt_entry_is_rebuilt(git_repo: Path, tmp_path: Path) -> None:
    sha = commit(git_repo, FILES)
    store = tmp_path / "cache"
    with Repository(git_repo) as repo:
        cache.index(repo, sha, store)
        (store / cache.PACK).unlink()  # the per-file entries are read only without the pack
        for entry in store.rglob("*.bin"):
            entry.write_bytes(b"{broken")
        again = cache.index(repo, sha, store)
    assert again.stats.parsed == 4 and "app.cart.total" in again.graph.functions


def test_callgraph_command(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(git_repo, FILES)
    assert main(["callgraph", str(git_repo / "app"), "--format", "json"]) == 0
    graph = json.loads(capsys.readouterr().out)
    assert "app.cart.total" in graph["app.views.cart"]
    assert main(["callgraph", str(git_repo)]) == 0
    out = capsys.readouterr().out
    assert "4 Python files" in out and "http  GET /cart  ->  app.views.cart" in out
    assert main(["callgraph", str(git_repo), "--revision", "HEAD", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == graph
    assert main(["callgraph", str(git_repo / "missing")]) == 2
    assert main(["callgraph", str(git_repo), "--revision", "nope"]) == 2


def test_an_unwritable_cache_is_not_fatal(git_repo: Path, tmp_path: Path) -> None:
    sha = commit(git_repo, FILES)
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("in the way", encoding="utf-8")
    with Repository(git_repo) as repo:
        code = cache.index(repo, sha, blocked / "cache")
    assert code.stats.parsed == 4 and "app.cart.total" in code.graph.functions


def test_a_long_lived_process_resumes_from_the_program_it_holds(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "HOLD", True)
    monkeypatch.setattr(cache, "_held", {})
    first = commit(git_repo, FILES)
    store = tmp_path / "cache"
    with Repository(git_repo) as repo:
        cache.index(repo, first, store)
        (store / cache.PACK).unlink()  # only the held program is left to resume from
        second = commit(git_repo, {"app/cart.py": "def total(items):\n    return round(sum(items), 2)\n"})
        held = cache.index(repo, second, store)
        monkeypatch.setattr(cache, "HOLD", False)
        fresh = cache.index(repo, second, tmp_path / "fresh")
    assert held.stats.solve == "incremental"
    assert fresh.stats.solve == "scratch"
    assert held.graph.to_pycg() == fresh.graph.to_pycg() and held.entry_points == fresh.entry_points


def as_resident(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache as a long-lived process holds it (HOLD), with nothing held or asked yet."""
    monkeypatch.setattr(cache, "HOLD", True)
    for name in ("_held", "_held_results", "_asked", "_prepared", "_edits"):
        monkeypatch.setattr(cache, name, {})


def test_a_long_lived_process_indexes_a_new_commit_ahead_of_its_push(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cache.prepare (the resident process, while it waits) indexes the commit HEAD moved to as
    the hook's last index was asked (approximate, its patterns); the push's index is then that."""
    as_resident(monkeypatch)
    patterns = (Pattern("myfw.every", "job"),)
    first = commit(git_repo, FILES)
    store = tmp_path / "cache"
    with Repository(git_repo) as repo:
        assert cache.prepare() == []  # nothing asked yet
        cache.index(repo, first, store, patterns=patterns, approximate=True)
        assert cache.prepare() == []  # HEAD is the commit that was just indexed
        second = commit(git_repo, {"app/cart.py": "def total(items):\n    return round(sum(items), 2)\n"})
        assert cache.prepare() == [second] and cache.prepare() == []  # once per commit
        monkeypatch.setattr(cache, "incremental", None)  # the push's index solves nothing
        pushed = cache.index(repo, second, store, patterns=patterns, approximate=True)
        monkeypatch.undo()
        fresh = cache.index(repo, second, tmp_path / "fresh", patterns=patterns)
    assert pushed.graph == fresh.graph and pushed.entry_points == fresh.entry_points
    assert any(entry.kind == "job" for entry in pushed.entry_points)


def test_a_long_lived_process_indexes_the_work_trees_edits_ahead_of_their_commit(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HEAD indexed, cache.prepare indexes the work tree's edits (once per content): a push
    made right after committing them finds its index ready, and HEAD's stays held beside it."""
    as_resident(monkeypatch)
    first = commit(git_repo, FILES)
    store = tmp_path / "cache"
    edited = "def total(items):\n    return round(sum(items), 2)\n"
    with Repository(git_repo) as repo:
        cache.index(repo, first, store, approximate=True)
        assert cache.prepare() == []  # HEAD indexed, no edits
        (git_repo / "app/cart.py").write_text(edited, encoding="utf-8")
        assert cache.prepare() == [cache.WORK_TREE] and cache.prepare() == []  # once per content
        second = commit(git_repo, {"app/cart.py": edited})
        monkeypatch.setattr(cache, "incremental", None)  # the push's index solves nothing
        pushed = cache.index(repo, second, store, approximate=True)
        again = cache.index(repo, first, store, approximate=True)  # the commit before, held too
        monkeypatch.undo()
        fresh = cache.index(repo, second, tmp_path / "fresh")
    assert pushed.graph == fresh.graph and pushed.entry_points == fresh.entry_points
    assert again.graph.functions.keys() == fresh.graph.functions.keys()


def test_a_long_lived_process_reads_the_pack_when_it_starts(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cache.preload (the resident process, as it starts) holds the work tree's pack, so that its
    first push resumes from memory."""
    monkeypatch.setattr(cache, "_held", {})
    first = commit(git_repo, FILES)
    with Repository(git_repo) as repo:
        cache.index(repo, first)  # the plain run that started the process wrote the pack
        directory = cache.default_cache_dir(repo)
    monkeypatch.setattr(cache, "HOLD", True)
    assert cache.preload(tmp_path) is False  # not a repository
    assert cache.preload(git_repo) is True
    assert cache.preload(git_repo) is False  # held already
    (directory / cache.PACK).unlink()
    (directory / cache.RESULT).unlink()
    second = commit(git_repo, {"app/cart.py": "def total(items):\n    return round(sum(items), 2)\n"})
    with Repository(git_repo) as repo:
        assert cache.index(repo, second).stats.solve == "incremental"  # from the pack it read

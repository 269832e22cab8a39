"""The last result on disk (graph.bin): reused only for the same files, patterns, solver and pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.callgraph import cache, entrycache, results, store
from preflight.callgraph.entrypoints import Pattern
from preflight.repository import Repository
from tests.conftest import commit

FILES = {
    "app/__init__.py": "",
    "app/views.py": (
        "from flask import Flask\n\nfrom app.prices import total\n\napp = Flask(__name__)\n\n\n"
        '@app.route("/cart")\ndef cart():\n    return total([1, 2])\n'
    ),
    "app/prices.py": "def total(items):\n    return round(sum(items), 2)\n",
}


def test_a_second_run_over_the_same_files_reads_the_result(git_repo: Path, tmp_path: Path) -> None:
    sha = commit(git_repo, FILES)
    with Repository(git_repo) as repo:
        first = cache.index(repo, sha, tmp_path)
        assert (tmp_path / cache.RESULT).is_file()
        (tmp_path / cache.PACK).write_bytes((tmp_path / cache.PACK).read_bytes())  # same pack, same key
        again = cache.index(repo, sha, tmp_path)
    assert (first.stats.solve, again.stats.solve) == ("scratch", "unchanged")
    assert again.stats == cache.IndexStats(3, 0, 0, "unchanged")
    assert again.graph == first.graph and again.entry_points == first.entry_points
    assert "app.prices.total" in again.graph.edges["app.views.cart"]


def test_other_files_or_patterns_are_not_answered_from_it(git_repo: Path, tmp_path: Path) -> None:
    first = commit(git_repo, FILES)
    second = commit(git_repo, {"app/prices.py": "def total(items):\n    return sum(items)\n"})
    with Repository(git_repo) as repo:
        cache.index(repo, first, tmp_path)
        changed = cache.index(repo, second, tmp_path)
        assert changed.stats.parsed == 1 and changed.stats.solve == "incremental"
        patterns = (Pattern("app.route", "custom"),)
        other = cache.index(repo, second, tmp_path, patterns=patterns)
        assert other.stats.solve != "unchanged" or other.stats.parsed > 0
        assert other.entry_points != changed.entry_points


@pytest.mark.parametrize("damage", ["flip", "truncate", "no pack"])
def test_a_damaged_result_or_a_missing_pack_means_solving_again(
    git_repo: Path, tmp_path: Path, damage: str
) -> None:
    sha = commit(git_repo, FILES)
    with Repository(git_repo) as repo:
        cold = cache.index(repo, sha, tmp_path / "cold")
        warm = tmp_path / "warm"
        cache.index(repo, sha, warm)
        result = warm / cache.RESULT
        data = result.read_bytes()
        if damage == "flip":
            result.write_bytes(data[:-3] + bytes([data[-3] ^ 1]) + data[-2:])
        elif damage == "truncate":
            result.write_bytes(data[: len(data) // 2])
        else:
            (warm / cache.PACK).unlink()
        found = cache.index(repo, sha, warm)
    assert found.stats.solve == ("scratch" if damage == "no pack" else "unchanged")
    assert found.graph == cold.graph and found.entry_points == cold.entry_points


def test_a_result_for_another_key_is_none(tmp_path: Path) -> None:
    assert results.read(tmp_path / "missing.bin", bytes(16)) is None
    (tmp_path / "junk.bin").write_bytes(store.HEADER + b"junk")
    assert results.read(tmp_path / "junk.bin", bytes(16)) is None


def test_a_widened_state_is_kept_and_the_graph_stays_the_cold_one(git_repo: Path, tmp_path: Path) -> None:
    from tests.callgraph.test_incremental import handlers

    sha = commit(git_repo, {"app/__init__.py": "", "app/handlers.py": handlers(130)})
    with Repository(git_repo) as repo:
        cold = cache.index(repo, sha, tmp_path / "cold")
        warm = tmp_path / "warm"
        cache.index(repo, sha, warm)
        pack = store.read(warm / cache.PACK)
        assert pack is not None and pack.solved.state.widened and pack.solved.state.slots
        (warm / cache.RESULT).unlink()
        found = cache.index(repo, sha, warm)
    assert found.stats == cache.IndexStats(2, 0, 0, "unchanged")
    assert found.graph == cold.graph and found.entry_points == cold.entry_points
    assert "h129" in {name.rsplit(".", 1)[1] for name in found.graph.functions}


def test_worker_processes_give_the_same_index_and_write_the_entries(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = dict(FILES)
    files.update(
        {
            f"app/mod{i}.py": f"from app.prices import total\n\n\ndef f{i}():\n    return total([{i}])\n"
            for i in range(6)
        }
    )
    sha = commit(git_repo, files)
    monkeypatch.setattr(entrycache, "PARALLEL_MIN_FILES", 1)
    with Repository(git_repo) as repo:
        serial = cache.index(repo, sha, tmp_path / "serial", workers=1)
        parallel = cache.index(repo, sha, tmp_path / "parallel", workers=2)
        assert parallel.graph == serial.graph and parallel.entry_points == serial.entry_points
        assert parallel.stats == cache.IndexStats(9, 9, 0, "scratch")
        (tmp_path / "parallel" / cache.RESULT).unlink()
        (tmp_path / "parallel" / cache.PACK).unlink()
        again = cache.index(repo, sha, tmp_path / "parallel", workers=2)
    assert again.stats == cache.IndexStats(9, 0, 0, "scratch")  # every entry was cached by a worker
    assert again.graph == serial.graph

"""The pack on disk: a damaged, foreign or stale pack is never used, and the run solves from scratch."""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.callgraph import cache, store
from preflight.repository import Repository
from tests.conftest import commit

FILES = {
    "app/__init__.py": "",
    "app/cart.py": "from app.prices import total\n\n\ndef checkout(items):\n    return total(items)\n",
    "app/prices.py": "def total(items):\n    return round(sum(items), 2)\n",
}
CHANGE = {"app/prices.py": "def total(items):\n    return sum(items)\n\n\ndef unused():\n    pass\n"}


def flip_a_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x40]) + data[middle + 1 :]


def truncate(data: bytes) -> bytes:
    return data[: len(data) // 3]


def other_version(data: bytes) -> bytes:
    return data.replace(store.HEADER, b"preflight-callgraph 0.0.1 0 0\n", 1)


def wrong_shape(data: bytes) -> bytes:
    """Intact and of this version, but not a pack: it must be refused, not crash the run."""
    part = marshal.dumps({"blobs": {}}, 4)
    body = len(part).to_bytes(8, "big") + part
    return store.HEADER + zlib.crc32(body).to_bytes(4, "big") + body


def garbage(data: bytes) -> bytes:
    return b"\x00" * len(data)


@pytest.mark.parametrize("damage", [flip_a_byte, truncate, other_version, wrong_shape, garbage])
def test_a_bad_pack_means_a_cold_solve(
    git_repo: Path, tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    first = commit(git_repo, FILES)
    second = commit(git_repo, CHANGE)
    warm = tmp_path / "warm"
    with Repository(git_repo) as repo:
        cache.index(repo, first, warm)
        pack = warm / cache.PACK
        pack.write_bytes(damage(pack.read_bytes()))
        assert store.read(pack) is None
        found = cache.index(repo, second, warm)
        cold = cache.index(repo, second, tmp_path / "cold")
        assert found.stats.solve == "scratch" and found.stats.parsed == 1  # the entries still serve
        assert found.graph == cold.graph and found.entry_points == cold.entry_points
        assert cache.index(repo, second, warm).stats.solve == "unchanged"  # a good pack again


def test_a_missing_pack_is_written(git_repo: Path, tmp_path: Path) -> None:
    sha = commit(git_repo, FILES)
    with Repository(git_repo) as repo:
        cache.index(repo, sha, tmp_path)
        (tmp_path / cache.PACK).unlink()
        assert cache.index(repo, sha, tmp_path).stats == cache.IndexStats(3, 0, 0, "scratch")
        assert cache.index(repo, sha, tmp_path).stats.solve == "unchanged"


def test_the_pack_round_trips(git_repo: Path, tmp_path: Path) -> None:
    sha = commit(git_repo, FILES)
    with Repository(git_repo) as repo:
        cache.index(repo, sha, tmp_path)
    pack = store.read(tmp_path / cache.PACK)
    assert pack is not None
    again = tmp_path / "again.pack"
    store.write(again, pack)
    copy = store.read(again)
    assert copy is not None
    assert list(store._payload(copy)) == list(store._payload(pack))
    assert sorted(pack.blobs) == sorted(FILES)

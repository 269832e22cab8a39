"""exposure/cache.py: the prepared snapshot cached as JSON, keyed by the snapshot's identity."""

from __future__ import annotations

from pathlib import Path

import orjson

from preflight.exposure import cache as prepared_cache
from preflight.exposure import load
from preflight.exposure.snapshot import prepare
from preflight.models import ChangeSet
from preflight.propagation.graph import from_services
from preflight.runtime import snapshot as snapshots
from tests.exposure.helpers import NOW, REVISIONS, SHOP, fn, snapshot


def test_round_trip_through_json_keeps_every_answer() -> None:
    direct = prepare(snapshots.read(SHOP))
    assert direct.services is not None and direct.functions and direct.rates
    again = prepared_cache.from_plain(prepared_cache.to_plain(direct))
    assert again == direct
    assert again.services is not None and from_services(again.services).front_doors() == {"frontend"}


def test_second_load_comes_from_the_cache_and_a_rebuilt_snapshot_misses(tmp_path: Path) -> None:
    snap, cache = tmp_path / "snap", tmp_path / "cache"
    snapshots.write(snapshot(), snap)
    first = load(snapshot_dir=snap, cache_dir=cache)
    files = list(cache.glob("*.json"))
    assert len(files) == 1
    changes = ChangeSet(REVISIONS, (), (fn("shop.cart.add"),))
    assert first.join(changes, NOW).functions[0].calls_per_min == 60.0

    # a cache file is trusted only for the snapshot it names: doctor it, and the cache is what answers
    files[0].write_bytes(files[0].read_bytes().replace(b"60.0", b"61.0"))
    assert load(snapshot_dir=snap, cache_dir=cache).join(changes, NOW).functions[0].calls_per_min == 61.0

    changed = snapshot()
    changed.meta["generated_at"] = "2026-11-22T07:00:00+00:00"
    snapshots.write(changed, snap)  # rebuilt: another identity, so prepared afresh from the tables
    assert load(snapshot_dir=snap, cache_dir=cache).join(changes, NOW).functions[0].calls_per_min == 60.0
    assert len(list(cache.glob("*.json"))) == 2


def test_a_damaged_cache_file_is_ignored_and_rewritten(tmp_path: Path) -> None:
    snap, cache = tmp_path / "snap", tmp_path / "cache"
    snapshots.write(snapshot(), snap)
    load(snapshot_dir=snap, cache_dir=cache)
    (entry,) = cache.glob("*.json")
    entry.write_bytes(b'{"functions": {"x": ')
    runtime = load(snapshot_dir=snap, cache_dir=cache)
    assert runtime.rates()["shop.cart.add"] == 60.0
    assert prepared_cache.from_plain(orjson.loads(entry.read_bytes())).rates["shop.cart.add"] == 60.0


def test_an_unwritable_cache_costs_time_not_the_check(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    snapshots.write(snapshot(), snap)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory would go", encoding="utf-8")
    assert load(snapshot_dir=snap, cache_dir=blocker).rates()["shop.cart.add"] == 60.0

"""exposure/cache.py: the prepared snapshot cached as JSON, keyed by the snapshot's identity."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from preflight.exposure import cache as prepared_cache
from preflight.exposure import load
from preflight.exposure.snapshot import SOURCE_RANK, measured, prepare
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


def _embed(snap: Path) -> Path:
    """The snapshot written as `collect` writes it: with its prepared form."""
    snapshots.write(snapshot(), snap, prepared_cache.embedded)
    return snap / prepared_cache.EMBEDDED


def test_the_snapshot_s_own_prepared_form_answers_only_for_its_tables(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    embedded = _embed(snap)
    document = orjson.loads(embedded.read_bytes())
    assert document["format"] == prepared_cache.FORMAT and document["tables"] == prepared_cache.digest(snap)

    # doctored, it is what answers: the tables were not read (no cache directory here)
    embedded.write_bytes(embedded.read_bytes().replace(b"60.0", b"61.0"))
    assert load(snapshot_dir=snap).rates()["shop.cart.add"] == 61.0

    # a table changed since: the prepared form is not this snapshot's, so the tables answer
    table = snap / "functions.parquet"
    rebuilt = tmp_path / "rebuilt"
    changed = snapshot()
    changed.tables["functions"].loc[0, "calls_per_min"] = 30.0
    snapshots.write(changed, rebuilt)
    table.write_bytes((rebuilt / "functions.parquet").read_bytes())
    assert load(snapshot_dir=snap).rates()["shop.cart.add"] == 30.0


def test_a_prepared_form_of_another_format_or_damaged_or_special_is_not_used(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    embedded = _embed(snap)
    good = orjson.loads(embedded.read_bytes())
    good["prepared"]["rates"]["shop.cart.add"] = 61.0
    for document in ({**good, "format": prepared_cache.FORMAT - 1}, {**good, "tables": "0" * 32}):
        embedded.write_bytes(orjson.dumps(document))
        assert load(snapshot_dir=snap).rates()["shop.cart.add"] == 60.0
    for damaged in (b'{"format": 2, "tables": ', b"[]", orjson.dumps({**good, "prepared": {"rates": 1}})):
        embedded.write_bytes(damaged)
        assert load(snapshot_dir=snap).rates()["shop.cart.add"] == 60.0
    embedded.unlink()
    os.mkfifo(embedded)  # never read: a FIFO would hang the hook
    assert load(snapshot_dir=snap).rates()["shop.cart.add"] == 60.0


def test_the_prepared_form_answers_simulate_and_context_as_the_tables_do() -> None:
    direct = prepare(snapshots.read(SHOP))
    tables = snapshots.read(SHOP)
    assert direct.measured() == measured(tables)
    assert direct.runs, "the example measures function calls and service requests"
    for (service, name), runs in direct.runs.items():
        served = tables.table("endpoints")
        requests = served[served["service"] == service]["requests_per_min"].sum()
        functions = tables.table("functions")
        names = functions["code_qualname"].fillna(functions["qualname"])
        rows = functions[(functions["service"] == service) & (names == name)]
        ranks = rows["source"].map(SOURCE_RANK)
        rows = rows[ranks == ranks.min()]  # traces before profiles, never both
        assert runs == pytest.approx(rows["calls_per_min"].sum() / requests)
    edges = tables.table("edges").dropna(subset=["caller_function"])
    assert sum(len(calls) for calls in direct.calls_made.values()) == len(edges)


def test_the_example_snapshot_carries_its_current_prepared_form() -> None:
    """The demo runs on the core install: examples/shop/snapshot/prepared.json must be this
    FORMAT's and of these tables (after changing prepare or the tables: write it again with
    `cache.embedded`, as collect does)."""
    digest = prepared_cache.digest(SHOP)
    assert digest is not None
    assert prepared_cache.from_snapshot(SHOP, digest) == prepare(snapshots.read(SHOP))

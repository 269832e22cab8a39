"""Issue 17 items 5 and 12: a corrupt, partial or out-of-range snapshot is refused, never a quieter score.

Each case damages a copy of the shop example's committed snapshot one way and runs the real
`preflight check` of the demo's hot-checkout-path change against it: exit 2, the message
names the file (and field) and says how to rebuild it, and no report is written.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from preflight import cli, exposure
from preflight.commands import demo
from preflight.errors import InputError
from preflight.models import ChangeSet
from preflight.runtime import snapshot
from tests.exposure.helpers import NOW, REVISIONS, fn

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
HOT = "scenario/hot-checkout-path"


@pytest.fixture(scope="module")
def shop_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's shop repository with the hot-checkout-path change on its branch."""
    repo = tmp_path_factory.mktemp("shop") / "repo"
    demo.build(repo, SHOP, tuple(s for s in demo.SCENARIOS if s.name == "hot-checkout-path"))
    return repo


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    """A copy of the committed snapshot, ready to be damaged."""
    out = tmp_path / "snapshot"
    shutil.copytree(SHOP / "snapshot", out)
    return out


def check(
    repo: Path, snapshot_dir: Path, output: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    args = ("--repo", str(repo), "--base", "main", "--head", HOT, "--snapshot", str(snapshot_dir))
    code = cli.main(["check", *args, "--format", "json", "--output", str(output)])
    return code, capsys.readouterr().err


def rewrite(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Rewrite one table in place (same columns, same types, same row count unless change says)."""
    change(pd.read_parquet(path)).to_parquet(path, index=False)


def edit_meta(directory: Path, change: Callable[[dict[str, object]], object]) -> None:
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    change(meta)
    (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def setting(column: str, value: float, row: int = 3) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return change


def test_the_intact_copy_scores_the_hot_change(
    shop_repo: Path, snap: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The baseline the damaged copies are compared with: the change is hot (the issue's 45)."""
    code, err = check(shop_repo, snap, tmp_path / "report.json", capsys)
    assert code in (0, 1), err  # 1: the change fails the demo's gate (71 > 70); 2 would be an error
    score = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["risk"]["score"]
    assert score >= 30


def _unlink_tables(directory: Path) -> None:
    for path in directory.glob("*.parquet"):
        path.unlink()


def _slos_as_directory(directory: Path) -> None:
    (directory / "slos.parquet").unlink()
    (directory / "slos.parquet").mkdir()


TABLE_DAMAGE: dict[str, tuple[Callable[[Path], object], str, str]] = {
    # name: (damage, file named, what the message says)
    "functions.parquet missing": (
        lambda d: (d / "functions.parquet").unlink(),
        "functions.parquet",
        "missing",
    ),
    "every table missing": (_unlink_tables, "functions.parquet", "missing"),
    "edges copied over functions": (
        lambda d: shutil.copy(d / "edges.parquet", d / "functions.parquet"),
        "functions.parquet",
        "columns of the edges table",
    ),
    "slos.parquet a directory": (_slos_as_directory, "slos.parquet", "not a file"),
    "functions cut short": (
        lambda d: rewrite(d / "functions.parquet", lambda f: f.head(40)),
        "functions.parquet",
        "40 rows, meta.json records 456",
    ),
    "error_rate 7": (
        lambda d: rewrite(d / "functions.parquet", setting("error_rate", 7.0)),
        "functions.parquet",
        "column error_rate has 1 value(s) outside 0..1 (or not finite), the first 7.0 in row 4",
    ),
    "negative calls_per_min": (
        lambda d: rewrite(d / "functions.parquet", setting("calls_per_min", -5.0)),
        "functions.parquet",
        "calls_per_min",
    ),
    "inf calls_per_min": (
        lambda d: rewrite(d / "functions.parquet", setting("calls_per_min", math.inf)),
        "functions.parquet",
        "column calls_per_min has 1 value(s) negative or not finite, the first inf in row 4",
    ),
    "inf requests_per_min": (
        lambda d: rewrite(d / "endpoints.parquet", setting("requests_per_min", math.inf, row=0)),
        "endpoints.parquet",
        "requests_per_min",
    ),
    "negative latency": (
        lambda d: rewrite(d / "edges.parquet", setting("p99_ms", -1.0, row=0)),
        "edges.parquet",
        "p99_ms",
    ),
    "not a parquet file": (
        lambda d: (d / "edges.parquet").write_bytes(b"PAR1 but not really"),
        "edges.parquet",
        "unreadable",
    ),
}


@pytest.mark.parametrize("case", sorted(TABLE_DAMAGE))
def test_a_damaged_table_is_exit_2_naming_the_file(
    case: str, shop_repo: Path, snap: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damage, named, said = TABLE_DAMAGE[case]
    damage(snap)
    report = tmp_path / "report.json"
    code, err = check(shop_repo, snap, report, capsys)
    assert code == 2, err
    assert str(snap / named) in err and said in err
    assert "preflight collect" in err
    assert not report.exists()  # nothing half-written, no quieter report


META_DAMAGE: dict[str, tuple[Callable[[dict[str, object]], object], str]] = {
    # name: (damage, field the message names)
    "window_end not ISO 8601": (lambda m: m.update(window_end="yesterday"), "window_end"),
    "window_end without a timezone": (lambda m: m.update(window_end="2026-11-22T09:29:42"), "window_end"),
    "window_end a number": (lambda m: m.update(window_end=1764000000), "window_end"),
    "generated_at not ISO 8601": (lambda m: m.update(generated_at="22/11/2026"), "generated_at"),
    "window_start after window_end": (
        lambda m: m.update(window_start="2026-11-23T00:00:00+00:00"),
        "window_start",
    ),
    "resolution a list": (lambda m: m.update(resolution=[0.9]), "resolution"),
    "resolution a string": (lambda m: m.update(resolution="high"), "resolution"),
    "resolution rate above 1": (lambda m: m.update(resolution={"rate": 7}), "resolution.rate"),
    "rows missing": (lambda m: m.pop("rows"), "rows"),
    "rows not counts": (lambda m: m.update(rows={"functions": "many"}), "rows"),
    "meta not a mapping": (lambda m: m.clear(), "schema_version"),
}


@pytest.mark.parametrize("case", sorted(META_DAMAGE))
def test_bad_meta_values_are_exit_2_naming_the_field(
    case: str, shop_repo: Path, snap: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damage, field = META_DAMAGE[case]
    edit_meta(snap, damage)
    report = tmp_path / "report.json"
    code, err = check(shop_repo, snap, report, capsys)
    assert code == 2, err
    assert str(snap / "meta.json") in err and field in err
    assert not report.exists()


def test_meta_json_a_list_is_refused(snap: Path) -> None:
    (snap / "meta.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match=r"meta.json: .*not a JSON object"):
        snapshot.read(snap)


def test_a_window_end_in_the_future_is_exit_2(
    shop_repo: Path, snap: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A negative age would never be stale: the clock of the collector or of this machine is wrong."""
    tomorrow = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    edit_meta(snap, lambda m: m.update(window_end=tomorrow.isoformat()))
    report = tmp_path / "report.json"
    code, err = check(shop_repo, snap, report, capsys)
    assert code == 2, err
    assert str(snap / "meta.json") in err and "window_end" in err and "future" in err
    assert not report.exists()


def test_a_window_end_within_the_clock_skew_allowance_is_age_zero(snap: Path) -> None:
    soon = NOW + datetime.timedelta(minutes=2)
    edit_meta(snap, lambda m: m.update(window_end=soon.isoformat()))
    runtime = exposure.load(snapshot_dir=snap).join(ChangeSet(REVISIONS, (), (fn("x"),)), NOW).runtime
    assert runtime is not None and runtime.age_hours == 0.0


def test_a_good_snapshot_in_the_cache_does_not_let_a_corrupted_one_through(
    snap: Path, tmp_path: Path
) -> None:
    """Same size, same modification time, other bytes: the cache must miss and the read refuse it."""
    cache = tmp_path / "cache"
    assert exposure.load(snapshot_dir=snap, cache_dir=cache).rates()  # the good snapshot, now cached
    table = snap / "functions.parquet"
    before = table.stat()
    table.write_bytes(b"\0" * before.st_size)
    os.utime(table, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(InputError, match=r"functions\.parquet"):
        exposure.load(snapshot_dir=snap, cache_dir=cache)


def test_a_table_replaced_by_a_directory_misses_the_cache(snap: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    exposure.load(snapshot_dir=snap, cache_dir=cache)
    _slos_as_directory(snap)
    with pytest.raises(InputError, match=r"slos\.parquet: not a file"):
        exposure.load(snapshot_dir=snap, cache_dir=cache)

"""The prepared snapshot: the same answers as the tables, cached so a warm run needs no pandas."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from preflight.errors import InputError
from preflight.exposure import load
from preflight.exposure.prepared import Prepared
from preflight.exposure.snapshot import prepare
from preflight.models import ChangeSet
from tests.exposure.helpers import NOW, REVISIONS, SHOP, fn, snapshot


def test_a_cached_snapshot_is_joined_without_importing_pandas_or_pyarrow(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load(snapshot_dir=SHOP, cache_dir=cache)  # prepared once, as the first check does
    script = textwrap.dedent(
        f"""
        import datetime, sys
        from pathlib import Path
        from preflight.exposure import load
        from preflight.propagation.graph import from_services
        runtime = load(snapshot_dir=Path({str(SHOP)!r}), cache_dir=Path({str(cache)!r}))
        assert runtime.services() is not None and runtime.rates()
        from_services(runtime.services())
        heavy = sorted(m for m in ("pandas", "pyarrow", "scipy") if m in sys.modules)
        print(",".join(heavy) or "none")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env={**os.environ}, check=True
    )
    assert done.stdout.strip() == "none"


def test_renamed_function_uses_the_base_name_and_missing_is_unknown() -> None:
    changes = ChangeSet(
        REVISIONS, (), (fn("shop.cart.total", old="shop.cart.old_total"), fn("shop.cart.new"))
    )
    renamed, new = prepare(snapshot()).join(changes, "snap", NOW).functions
    assert renamed.calls_per_min == 3.0
    assert new.calls_per_min is None and new.service is None and new.slos == ()


def test_runtime_info_says_how_old_the_snapshot_is_and_refuses_a_window_in_the_future() -> None:
    prepared = prepare(snapshot())
    info = prepared.runtime_info("snap", NOW)
    assert (info.location, info.window_end, info.age_hours) == ("snap", "2026-11-22T06:00:00+00:00", 6.0)
    assert info.generated_at == "2026-11-22T06:00:00+00:00" and info.resolution_rate == 0.9
    early = NOW - datetime.timedelta(hours=7)
    with pytest.raises(
        InputError, match=r"meta.json: window_end 2026-11-22T06:00:00\+00:00 is in the future"
    ):
        prepared.runtime_info("snap", early)
    assert Prepared({}, {}, None).runtime_info("snap", NOW).age_hours is None

"""Issue 17 Measure: Hypothesis fuzzing of the config loader and every telemetry reader.

Through the functions the CLI calls (config.load_file, runtime.collect.collect), every
generated input must load or be refused with an InputError naming the file (exit 2), never
another exception (exit 3). A bounded run here; `python -m bench.fuzz --examples N` is the
long one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import fuzz
from preflight import config
from preflight.errors import InputError

FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(fuzz.config_texts())
def test_config_loader_never_crashes(text: str) -> None:
    with tempfile.TemporaryDirectory() as temp:
        assert fuzz.check_config(Path(temp), text) is None


@pytest.fixture(scope="module")
def baselines() -> dict[str, Any]:
    return {fmt: fuzz._baseline(fmt) for fmt in fuzz.FORMATS}


@pytest.mark.parametrize("fmt", fuzz.FORMATS)
def test_telemetry_readers_never_crash(fmt: str, baselines: dict[str, Any]) -> None:
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data(), st.booleans())
    def one(data: st.DataObject, detect: bool) -> None:
        raw = fuzz.telemetry_bytes(fmt, baselines[fmt], data)
        with tempfile.TemporaryDirectory() as temp:
            assert fuzz.check_collect(Path(temp), fmt, raw, detect) is None

    one()


def test_the_checks_see_a_crash(tmp_path: Path) -> None:
    """The harness counts what would be exit 3, so a clean run means something."""
    crash = fuzz._outcome(lambda: int("x"), "f")
    assert crash is not None and crash.startswith("ValueError at test_fuzz_inputs.py:")
    assert fuzz._outcome(lambda: config.load_file(tmp_path / "none.yml"), str(tmp_path)) is None

    def unnamed() -> None:
        raise InputError("something")

    assert fuzz._outcome(unnamed, "f.yml") == "InputError without the file name: something"


@pytest.mark.parametrize("fmt", fuzz.FORMATS)
def test_each_baseline_is_valid_input(fmt: str, baselines: dict[str, Any]) -> None:
    """Mutations start from a file each reader detects and accepts, so they probe past the first check."""
    import json
    import marshal

    from preflight.runtime import collect

    baseline = baselines[fmt]
    if fmt in fuzz.JSON_FORMATS:
        raw = json.dumps(baseline).encode()
    elif fmt == "pstats":
        raw = marshal.dumps(baseline)
    else:
        raw = baseline.encode()
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "input"
        path.write_bytes(raw)
        meta = collect.collect(
            [path], Path(temp) / "out", collect.CollectOptions(None, "shop", 60.0), None, fuzz.NOW
        )
    (source,) = meta["sources"]
    assert source["format"] == fmt
    assert 0 <= source["rows_rejected"] < source["rows_read"]

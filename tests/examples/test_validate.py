"""The shop's prediction-vs-reality check: a real fault in a real service, measured and compared."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import types
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
CONVERT = {"from": {"currency_code": "USD", "units": 3, "nanos": 0}, "to_code": "EUR"}


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SHOP / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve names through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def inject() -> ModuleType:
    return _module("inject")


@pytest.fixture(scope="module")
def validate(inject: ModuleType) -> ModuleType:
    return _module("validate")


def _call(address: str, method: str, path: str, body: object = None) -> tuple[int, float]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://{address}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            answer.read()
            status = int(answer.status)
    except urllib.error.HTTPError as e:
        e.read()
        status = int(e.code)
    return status, (time.perf_counter() - began) * 1000


def _currency_run(inject: ModuleType, directory: Path, fault: str) -> tuple[list[int], list[float], Any]:
    """Start the currency service alone with the fault; 30 conversions and 5 currency lists."""
    addresses, processes = inject.start(directory, fault, services=("currency",), seed=1)
    statuses, took = [], []
    try:
        for _ in range(30):
            status, ms = _call(addresses["currency"], "POST", "/convert", CONVERT)
            statuses.append(status)
            took.append(ms)
        lists = [_call(addresses["currency"], "GET", "/currencies")[0] for _ in range(5)]
    finally:
        inject.load.stop(processes)
    assert lists == [200] * 5  # only the faulty function fails, not its service's other routes
    spans = inject.server_spans(directory / "traces")
    return statuses, took, inject.Run(fault, [], spans, 1.0)


def test_faults_parse_and_refuse_bad_specs(inject: ModuleType) -> None:
    assert inject.parse_faults("shop.currency:convert:error=0.2;shop.money:from_float:sleep=0.05") == (
        inject.Injection("shop.currency", "convert", error=0.2),
        inject.Injection("shop.money", "from_float", sleep=0.05),
    )
    assert inject.parse_faults("") == ()
    for bad in ("shop.currency:convert", "convert:error=0.2", "shop.currency:convert:crash=1"):
        with pytest.raises(ValueError, match="MODULE:FUNCTION"):
            inject.parse_faults(bad)


def test_install_wraps_only_modules_the_process_loaded(inject: ModuleType) -> None:
    module = types.ModuleType("shop_fake")
    module.work = lambda x: x * 2  # type: ignore[attr-defined]
    wrapped = inject.install("shop_fake:work:error=1;shop.absent:work:error=1", {"shop_fake": module})
    assert wrapped == ["shop_fake.work"]
    with pytest.raises(inject.InjectedFault):
        module.work(2)


def test_a_real_fault_shows_in_a_real_service_and_compares_with_the_prediction(
    inject: ModuleType, validate: ModuleType, tmp_path: Path
) -> None:
    _, _, baseline = _currency_run(inject, tmp_path / "baseline", "")
    statuses, took, faulty = _currency_run(
        inject, tmp_path / "fault", "shop.currency:convert:error=0.5,sleep=0.05"
    )
    failed = statuses.count(500) / len(statuses)
    assert set(statuses) <= {200, 500} and 0.25 <= failed <= 0.75
    assert min(took) >= 50  # every call sleeps, failing or not

    measured = inject.stats([s for s in faulty.services["currency"] if s.route == "POST /convert"])
    assert measured.requests == 30 and measured.error_rate == failed and measured.p50 >= 50

    prediction = validate.predict(["currency:shop.currency.convert:error=0.5"], SHOP / "snapshot", trials=50)
    rows = validate.rows("convert fails", prediction, baseline, faulty)
    currency = next(row for row in rows if row.service == "currency")
    assert currency.predicted["error_rate"]["after"]["median"] > 0
    assert currency.base.error_rate == 0 and currency.after.error_rate > 0.1
    assert validate.affected(currency.base, currency.after)
    table = validate.service_table(rows)
    assert table[2].startswith("| convert fails | frontend |")  # the fault labels its first row
    line = next(line for line in table if line.startswith("|  | currency |"))
    assert line.endswith("| 100% | yes |")  # preflight and the measurement agree: affected

"""collect -> snapshot -> context and check --snapshot, end to end on real SDK spans and a real repository."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from preflight.cli import main
from tests.conftest import commit
from tests.runtime.adapters.test_otlp import _collector_json, _run_shop

CART = "\n" * 9 + "def load_cart(cart_id):\n    return {'id': cart_id}\n"
PAY = "\n" * 40 + "@audited\ndef charge(amount):\n    return amount\n"
SLO = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-errors
    spec:
      ratioMetric:
        good:
          metricSource:
            type: Prometheus
            spec:
              query: ok
        total:
          metricSource:
            type: Prometheus
            spec:
              query: all
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: good
      target: 0.99
"""


@pytest.fixture
def world(git_repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose code the telemetry ran, and a directory of telemetry files."""
    commit(
        git_repo,
        {"shop/cart.py": CART, "checkout/pay.py": PAY, ".preflight.yml": "paths:\n  map:\n    /srv/: ''\n"},
    )
    telemetry = tmp_path / "telemetry"
    telemetry.mkdir()
    lines = [orjson.dumps(_collector_json(_run_shop(), hex_ids=True))]
    (telemetry / "traces.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (telemetry / "slo.yaml").write_text(SLO, encoding="utf-8")
    (telemetry / "notes.bin").write_bytes(b"\x00\x01garbage")
    return git_repo, telemetry


def test_collect_context_and_check(
    world: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, telemetry = world
    snap = tmp_path / "snap"
    assert main(["collect", str(telemetry), "--output", str(snap), "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert f"snapshot written to {snap}" in out
    assert "unknown  " in out and "unrecognized format 1" in out  # the garbage file is counted, not fatal
    meta = json.loads((snap / "meta.json").read_text(encoding="utf-8"))
    assert meta["services"] == ["checkout", "frontend", "reporter"]
    assert meta["resolution"]["resolved"] >= 2

    assert (
        main(
            [
                "context",
                "checkout/pay.py::charge",
                "--snapshot",
                str(snap),
                "--repo",
                str(repo),
                "--format",
                "json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert (doc["qualname"], doc["service"], doc["source"]) == ("checkout.pay.charge", "checkout", "otlp")
    assert doc["error_rate"] == pytest.approx(0.25)  # one declined card in four checkouts
    assert doc["endpoints"] == ["POST /checkout"]
    assert doc["share_of_service"] == pytest.approx(1.0)
    assert [s["name"] for s in doc["slos"]] == ["checkout-availability"]
    assert doc["slos"][0]["budget_source"] == "telemetry"

    assert main(["context", "shop/cart.py::load_cart", "--snapshot", str(snap), "--repo", str(repo)]) == 0
    assert "service frontend: " in capsys.readouterr().out

    commit(repo, {"checkout/pay.py": PAY.replace("return amount", "return amount * 2")})
    assert (
        main(["check", "--repo", str(repo), "--base", "HEAD~1", "--snapshot", str(snap), "--format", "json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    (charge,) = report["functions"]
    assert charge["qualname"] == "checkout.pay.charge" and charge["service"] == "checkout"
    assert charge["calls_per_min"] is not None and charge["slos"][0]["name"] == "checkout-availability"
    assert report["runtime"]["location"] == str(snap)


def test_collect_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect", str(tmp_path / "missing.jsonl"), "--output", str(tmp_path / "s")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    (tmp_path / "t.jsonl").write_text("{}\n", encoding="utf-8")
    assert (
        main(["collect", str(tmp_path / "t.jsonl"), "--output", str(tmp_path / "s"), "--format", "nope"]) == 2
    )
    assert "--format 'nope': unknown" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_collect_reports_progress_per_file_and_bytes(world: tuple[Path, Path], tmp_path: Path) -> None:
    import datetime

    from preflight.runtime import collect
    from preflight.runtime.adapters import tracejson

    _, telemetry = world
    seen: list[collect.Progress] = []
    traces = telemetry / "traces.jsonl"
    traces.write_bytes(traces.read_bytes() * 3)  # duplicate spans, counted; more bytes to read
    old, tracejson.PROGRESS_EVERY = tracejson.PROGRESS_EVERY, 100  # report often on a small file
    try:
        collect.collect(
            [telemetry],
            tmp_path / "snap",
            collect.CollectOptions(),
            None,
            datetime.datetime.now(datetime.timezone.utc),
            seen.append,
        )
    finally:
        tracejson.PROGRESS_EVERY = old
    files = sorted({p.path.name for p in seen})
    assert files == ["notes.bin", "slo.yaml", "traces.jsonl"]
    reading = [p for p in seen if p.path == traces]
    assert reading[0].bytes_done == 0 and reading[-1].bytes_done == traces.stat().st_size
    assert len(reading) > 2  # intermediate byte progress inside the file
    assert all(p.files == 3 for p in seen)


def test_console_output_collects_and_an_empty_source_is_exit_2(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    commit(git_repo, {"shop/cart.py": CART})
    out = io.StringIO()
    ConsoleSpanExporter(out=out).export(_run_shop())
    console = tmp_path / "console.log"
    console.write_text(out.getvalue(), encoding="utf-8")
    snap = tmp_path / "snap"
    assert main(["collect", str(console), "--output", str(snap), "--repo", str(git_repo)]) == 0
    assert f"  console  {console}: 26 read, 0 rejected" in capsys.readouterr().out
    meta = json.loads((snap / "meta.json").read_text(encoding="utf-8"))
    assert meta["services"] == ["checkout", "frontend", "reporter"]

    garbage = tmp_path / "notes.bin"
    garbage.write_bytes(b"\x00\x01garbage")
    assert main(["collect", str(garbage), "--output", str(tmp_path / "none"), "--repo", str(git_repo)]) == 2
    err = capsys.readouterr().err
    assert f"{garbage}: no spans or rows ({garbage}: format not recognized" in err
    assert "export a supported format" in err
    assert not (tmp_path / "none").exists()

"""The shop example: its config and SLOs, its committed telemetry and snapshot, and a short real run."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from preflight import config
from preflight.runtime import snapshot
from preflight.runtime.adapters.otlp import ADAPTER as OTLP
from preflight.runtime.records import Span
from preflight.runtime.slos import OpensloAdapter

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
SERVICES = {
    "frontend",
    "checkout",
    "cart",
    "productcatalog",
    "currency",
    "payment",
    "shipping",
    "email",
    "recommendation",
    "ad",
}
# Online Boutique's calls, as the example makes them.
EDGES = {
    ("frontend", "productcatalog"),
    ("frontend", "currency"),
    ("frontend", "cart"),
    ("frontend", "recommendation"),
    ("frontend", "ad"),
    ("frontend", "shipping"),
    ("frontend", "checkout"),
    ("checkout", "cart"),
    ("checkout", "productcatalog"),
    ("checkout", "currency"),
    ("checkout", "shipping"),
    ("checkout", "payment"),
    ("checkout", "email"),
    ("recommendation", "productcatalog"),
}
SLOS = {
    "frontend-availability",
    "frontend-latency",
    "checkout-availability",
    "cart-availability",
    "currency-latency",
    "payment-availability",
}


@pytest.fixture(scope="module")
def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shop_load", SHOP / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and typing resolve names through sys.modules
    spec.loader.exec_module(module)
    return module


class Spans:
    """A sink that keeps the spans an adapter reads."""

    def __init__(self) -> None:
        self.spans: list[Span] = []

    def span(self, span: Span) -> None:
        self.spans.append(span)

    def row(self, table: str, row: dict[str, object]) -> None:
        raise AssertionError(f"unexpected {table} row from a trace file")


def _edges(directory: Path) -> set[tuple[str, str]]:
    edges = snapshot.read(directory).table("edges")
    return set(zip(edges["caller_service"], edges["callee_service"], strict=True))


def test_config_is_valid_and_maps_deployed_paths() -> None:
    settings = config.load_file(SHOP / ".preflight.yml")
    assert settings.snapshot == "snapshot"
    assert [(m.deployed, m.repo) for m in settings.path_map] == [("/srv/shop/", "")]
    assert {(caller, callee) for caller, callee, _ in settings.calls} == EDGES


def test_slo_files_are_openslo_v1() -> None:
    rows: list[dict[str, object]] = []

    class Rows:
        def row(self, table: str, row: dict[str, object]) -> None:
            rows.append(row)

    for path in sorted((SHOP / "slos").glob("*.yaml")):
        report = OpensloAdapter().read(path, Rows())  # type: ignore[arg-type]
        assert not report.rejected, path
    assert {str(row["name"]) for row in rows} == SLOS


def test_committed_snapshot_has_every_service_edge_and_slo() -> None:
    loaded = snapshot.read(SHOP / "snapshot")
    assert set(loaded.meta["services"]) == SERVICES
    assert _edges(SHOP / "snapshot") >= EDGES
    assert set(loaded.table("slos")["name"]) == SLOS
    functions = loaded.table("functions")
    resolved = set(functions["code_qualname"].dropna())
    assert {"shop.checkout.place_order", "shop.currency.convert", "shop.money.add"} <= resolved


def test_committed_telemetry_is_small_real_otlp_with_code_attributes() -> None:
    files = [p for p in (SHOP / "telemetry").rglob("*") if p.is_file()]
    assert (
        sum(p.stat().st_size for p in files)
        + sum(p.stat().st_size for p in (SHOP / "snapshot").rglob("*") if p.is_file())
        < 5_000_000
    )
    sink = Spans()
    report = OTLP.read(SHOP / "telemetry" / "traces" / "checkout.jsonl", sink)
    assert report.rows_read > 0 and not report.rejected
    first = json.loads((SHOP / "telemetry" / "traces" / "checkout.jsonl").read_text().splitlines()[0])
    attributes = [
        {a["key"]: a["value"] for a in span.get("attributes", [])}
        for scope in first["resourceSpans"][0]["scopeSpans"]
        for span in scope["spans"]
    ]
    place_order = next(
        a
        for a in attributes
        if a.get("code.function.name", {}).get("stringValue", "").endswith("place_order")
    )
    assert place_order["code.file.path"] == {"stringValue": "/srv/shop/shop/checkout.py"}
    assert "code.line.number" in place_order


def test_a_short_run_reaches_every_service_and_builds_a_snapshot(load: ModuleType, tmp_path: Path) -> None:
    telemetry, built = tmp_path / "telemetry", tmp_path / "snapshot"
    counts, summary = load.run(telemetry, built, seconds=2.0, users=2, rate=8.0, seed=3)
    assert "services 10," in summary
    assert sum(counts.values()) >= 5
    assert not [key for key in counts if key.endswith(" 500")]
    for service in SERVICES:
        sink = Spans()
        OTLP.read(telemetry / "traces" / f"{service}.jsonl", sink)
        assert {span.service for span in sink.spans} == {service}
    assert (telemetry / "profiles" / "checkout.pstats").stat().st_size > 0
    loaded = snapshot.read(built)
    assert set(loaded.meta["services"]) == SERVICES
    assert _edges(built) >= EDGES


SCENARIOS = ("docs-only", "rare-function", "hot-checkout-path", "helper-signature", "new-module")


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_patch_applies_to_the_example(name: str, tmp_path: Path) -> None:
    shutil.copytree(SHOP / "shop", tmp_path / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(SHOP / "README.md", tmp_path / "README.md")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    patch = SHOP / "scenarios" / f"{name}.patch"
    subprocess.run(["git", "-C", str(tmp_path), "apply", str(patch)], check=True)
    changed = [line[6:] for line in patch.read_text().splitlines() if line.startswith("+++ b/")]
    assert changed
    for path in changed:
        if path.endswith(".py"):
            compile((tmp_path / path).read_text(), path, "exec")

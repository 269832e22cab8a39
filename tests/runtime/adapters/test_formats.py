"""runtime/adapters/formats: the registry of telemetry formats, in detection order."""

from __future__ import annotations

import cProfile
import json
from pathlib import Path

from preflight.runtime.adapters import registry
from preflight.runtime.adapters.folded import FoldedAdapter
from preflight.runtime.adapters.pstats import PstatsAdapter


def first_sniffing(path: Path) -> str | None:
    head = path.read_bytes()[: 64 * 1024]
    return next((name for name, adapter in registry().items() if adapter.sniff(path, head)), None)


def test_every_format_once_strictest_first_folded_last() -> None:
    names = list(registry())
    assert names == ["otlp", "jaeger", "zipkin", "console", "openslo", "sloth", "pstats", "table", "folded"]
    assert all(adapter.name == name for name, adapter in registry().items())


def test_profile_adapters_get_the_service_and_window() -> None:
    adapters = registry("cart", 60.0)
    pstats, folded = adapters["pstats"], adapters["folded"]
    assert isinstance(pstats, PstatsAdapter) and isinstance(folded, FoldedAdapter)
    assert (pstats.service, pstats.window_seconds) == ("cart", 60.0)
    assert (folded.service, folded.window_seconds) == ("cart", 60.0)
    assert registry()["pstats"].service == "unknown"  # type: ignore[attr-defined]


def test_real_files_are_detected_by_their_format(tmp_path: Path) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    sorted(range(100), key=lambda n: -n)
    profiler.disable()
    prof = tmp_path / "out.prof"
    profiler.dump_stats(prof)
    assert first_sniffing(prof) == "pstats"

    stacks = tmp_path / "stacks.txt"
    stacks.write_text("main (app.py:1);work (app.py:5) 12\n", encoding="utf-8")
    assert first_sniffing(stacks) == "folded"

    zipkin = tmp_path / "zipkin.json"
    span = {"traceId": "a" * 16, "id": "b" * 16, "name": "get", "timestamp": 1, "duration": 2}
    zipkin.write_text(json.dumps([{**span, "localEndpoint": {"serviceName": "cart"}}]), encoding="utf-8")
    assert first_sniffing(zipkin) == "zipkin"

"""`preflight mcp` on the shop example, driven by the SDK's client over stdio: the tools and their
schemas, each tool's numbers against `preflight context`, `check --worktree` and `simulate` for
the same inputs, and bad inputs as tool errors that say how to fix them, the server still up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.cli import main
from preflight.mcp.tools import TOOLS
from tests.conftest import git
from tests.mcp.conftest import Served, serve, text

GOOD: list[tuple[str, dict[str, Any]]] = [
    ("get_function_context", {"function": "shop/currency.py::convert"}),
    ("get_function_context", {"function": "shop/money.py::to_decimal"}),
    ("list_hot_functions", {}),
    ("list_hot_functions", {"limit": 3, "service": "currency"}),
    ("list_hot_functions", {"path_prefix": "shop/money.py"}),
    ("assess_change", {"base": "main"}),
    ("simulate_fault", {"target": "shop/currency.py::convert", "error_rate": 0.1}),
    ("simulate_fault", {"target": "payment", "error_rate": 0.5, "added_latency_ms": 200}),
]
BAD: list[tuple[str, dict[str, Any], str]] = [
    ("get_function_context", {"function": "shop/currency.py"}, "expected PATH::QUALNAME, e.g. src/shop/cart.py::Cart.add"),
    ("get_function_context", {"function": "shop/currency.py::nope"}, "shop/currency.py: no function 'nope'"),
    ("get_function_context", {"function": "shop/missing.py::f"}, "no such file in the repository"),
    ("get_function_context", {"function": "../outside.py::f"}, "give its path relative to the repository root"),
    ("get_function_context", {"function": "/etc/passwd::f"}, "outside the repository"),
    ("get_function_context", {}, "function"),
    ("list_hot_functions", {"service": "nope"}, "service 'nope' is not in the snapshot; its services are ad, cart"),
    ("list_hot_functions", {"limit": 0}, "limit 0: pass 1 to 200"),
    ("list_hot_functions", {"limit": "many"}, "valid integer"),
    ("assess_change", {"base": "no-such-branch"}, "unknown --base ref 'no-such-branch'"),
    ("simulate_fault", {"target": "nope", "error_rate": 0.1}, "neither a function (PATH::QUALNAME"),
    ("simulate_fault", {"target": "payment"}, "nothing to inject: pass error_rate"),
    ("simulate_fault", {"target": "payment", "error_rate": 2}, "error_rate 2.0: pass a fraction"),
    ("simulate_fault", {"target": "payment", "added_latency_ms": -5}, "added_latency_ms -5.0: pass milliseconds"),
    ("simulate_fault", {"target": "shop/money.py::to_decimal", "error_rate": 0.1}, "no runtime data for shop.money.to_decimal"),
]  # fmt: skip


@pytest.fixture(scope="module")
def served(shop: Path) -> Served:
    """One server: every good call, every bad one, then the first call again."""
    calls = [*GOOD, *((name, arguments) for name, arguments, _ in BAD), GOOD[0]]
    return serve(shop, calls)


def _good(served: Served, index: int) -> dict[str, Any]:
    result = served.results[index]
    assert not result.isError, text(result)
    assert result.structuredContent is not None
    # the text block is the same answer, for clients that read text only
    assert json.loads(text(result)) == result.structuredContent
    return result.structuredContent


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    main(list(args))
    found: dict[str, Any] = json.loads(capsys.readouterr().out)
    return found


def test_the_four_tools_with_their_schemas_read_only(served: Served) -> None:
    assert served.init.serverInfo.name == "preflight"
    assert "get_function_context" in (served.init.instructions or "")
    tools = {tool.name: tool for tool in served.tools.tools}
    assert tuple(tools) == TOOLS
    inputs = {
        "get_function_context": (["function"], ["function"]),
        "list_hot_functions": (["limit", "service", "path_prefix"], []),
        "assess_change": (["base"], []),
        "simulate_fault": (["target", "error_rate", "added_latency_ms"], ["target"]),
    }
    for name, tool in tools.items():
        assert list(tool.inputSchema["properties"]) == inputs[name][0], name
        assert tool.inputSchema.get("required", []) == inputs[name][1], name
        assert tool.outputSchema is not None and tool.outputSchema["type"] == "object"
        assert (
            "summary" in tool.outputSchema["required"] and tool.outputSchema["additionalProperties"] is False
        )
        assert tool.annotations is not None
        assert (tool.annotations.readOnlyHint, tool.annotations.openWorldHint) == (True, False)
        assert tool.description and len(tool.description) > 80


def test_function_context_is_preflight_contexts_with_the_code_index(
    served: Served, shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = _good(served, 0)
    cli = _cli(capsys, "context", "shop/currency.py::convert", "--snapshot", str(shop / "snapshot"), "--repo", str(shop), "--format", "json")  # fmt: skip
    by_index = {"callers", "reached_from", "inferred", "callers_left_out", "callers_updated", "snapshot"}
    assert {k: v for k, v in found.items() if k in cli and k not in by_index} == {
        k: v for k, v in cli.items() if k not in by_index
    }
    assert found["calls_per_min"] == pytest.approx(114.69, abs=0.01) and found["service"] == "currency"
    assert found["snapshot"]["location"] == str(shop / "snapshot") == cli["snapshot"]["location"]
    assert found["snapshot"]["age_hours"] == pytest.approx(cli["snapshot"]["age_hours"], abs=0.05)
    # what the code index adds is what `check --worktree` says of the same function
    check = _cli(capsys, "check", "--repo", str(shop), "--worktree", "--base", "main", "--format", "json")
    (same,) = [f for f in check["functions"] if f["qualname"] == "shop.currency.convert"]
    assert [found[k] for k in ("callers", "reached_from", "inferred")] == [
        same[k] for k in ("callers", "reached_from", "inferred")
    ]
    assert found["summary"].startswith(
        "shop.currency.convert (shop/currency.py, line 31) runs 115 times a minute"
    )
    assert "15." in found["summary"] and "stale" in found["summary"]
    assert any("stale" in u for u in found["unknowns"])
    assert _good(served, len(served.results) - 1) == {
        **found,
        "snapshot": _good(served, len(served.results) - 1)["snapshot"],
    }


def test_a_function_without_data_is_unknown_with_traffic_inferred_from_callers(served: Served) -> None:
    found = _good(served, 1)
    assert (found["known"], found["calls_per_min"]) == (False, None)
    assert found["inferred"]["callers"] == [
        {"qualname": "shop.currency.convert", "calls_per_min": pytest.approx(114.69, abs=0.01)}
    ]
    assert (
        found["summary"].startswith("No runtime data for shop.money.to_decimal (shop/money.py, line ")
        and "its traffic is unknown, not zero; inferred from 1 caller with data: about 115 calls/min"
        in found["summary"]
    )
    assert (
        found["unknowns"][0]
        == "no runtime data for shop.money.to_decimal: its traffic is unknown, estimated from its callers"
    )


def test_hot_functions_measured_first_then_inferred(
    served: Served, shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    everything = _good(served, 2)
    rows = everything["functions"]
    assert len(rows) == 20 and everything["measured"] >= 20
    rates = [r["calls_per_min"] for r in rows]
    assert rates == sorted(rates, reverse=True) and {r["basis"] for r in rows} == {"measured"}
    top = rows[0]
    cli = _cli(capsys, "context", top["function"], "--snapshot", str(shop / "snapshot"), "--repo", str(shop), "--format", "json")  # fmt: skip
    assert (cli["qualname"], cli["calls_per_min"], cli["service"]) == (
        top["qualname"],
        top["calls_per_min"],
        top["service"],
    )
    assert everything["not_in_repository"] == 3  # the profiler's names of the standard library

    currency = _good(served, 3)["functions"]
    assert [r["service"] for r in currency] == ["currency"] * len(currency) and 0 < len(currency) <= 3

    money = _good(served, 4)
    assert {r["path"] for r in money["functions"]} == {"shop/money.py"}
    bases = [r["basis"] for r in money["functions"]]
    assert "inferred" in bases and bases == sorted(bases, key=["measured", "inferred"].index)
    inferred = next(r for r in money["functions"] if r["function"] == "shop/money.py::to_decimal")
    assert inferred["inferred"] == {"confidence": "medium", "callers": 1, "unknown_callers": 0}


def test_assess_change_is_check_worktree(
    served: Served, shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = _good(served, 5)
    check = _cli(capsys, "check", "--repo", str(shop), "--worktree", "--base", "main", "--format", "json")
    risk, decision = check["risk"], check["decision"]
    assert [found[k] for k in ("score", "level", "confidence", "factors", "lower_it", "unknowns")] == [
        risk[k] for k in ("score", "level", "confidence", "factors", "lower_it", "unknowns")
    ]
    assert [found[k] for k in ("verdict", "passed", "threshold", "mode", "reason")] == [
        decision[k] for k in ("verdict", "passed", "threshold", "mode", "reason")
    ]
    assert found["blast_radius"] == [s for s in check["impact"]["services"] if s["affected"]]
    assert [s["name"] for s in found["slos_at_risk"]] == ["checkout-availability", "frontend-availability"]
    assert found["head"] == {"commit": git(shop, "rev-parse", "main"), "worktree": True}
    assert [f["qualname"] for f in found["functions"]] == [f["qualname"] for f in check["functions"]]
    assert found["summary"].startswith(
        f"The work tree against main (merge base {check['merge_base'][:12]}): risk "
    )
    # nothing written: the work tree and the index are as they were
    assert git(shop, "status", "--porcelain") == "M shop/currency.py\n M shop/money.py"


def test_simulate_fault_is_preflight_simulate(
    served: Served, shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for index, target in ((6, "function"), (7, "service")):
        found = _good(served, index)
        assert found["target"]["kind"] == target
        args = ["simulate", "--snapshot", str(shop / "snapshot"), "--config", str(shop / ".preflight.yml")]
        cli = _cli(
            capsys, *args, *(a for spec in found["injected"] for a in ("--inject", spec)), "--format", "json"
        )
        assert found["services"] == [s for s in cli["services"] if s["affected"]]
        assert found["slos"] + [s for s in cli["slos"] if s["name"] in found["slos_not_burning"]] == sorted(
            cli["slos"], key=lambda s: s["name"] in found["slos_not_burning"]
        )
        assert found["assumptions"] == cli["assumptions"] and (found["trials"], found["seed"]) == (
            cli["trials"],
            0,
        )
    function = _good(served, 6)
    assert function["injected"] == ["currency:shop.currency.convert:error=0.1"]
    assert function["target"]["function"] == "shop/currency.py::convert"
    assert _good(served, 7)["injected"] == ["payment:error=0.5", "payment:latency=200ms"]


def test_bad_inputs_are_tool_errors_that_say_how_to_fix_them(served: Served) -> None:
    for offset, (name, arguments, message) in enumerate(BAD, start=len(GOOD)):
        result = served.results[offset]
        assert result.isError, (name, arguments)
        assert message in text(result), (name, arguments, text(result))
        assert "internal error" not in text(result)
    assert "Traceback" not in served.stderr

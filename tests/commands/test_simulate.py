"""`preflight simulate` and the impact part of `check`, on a snapshot collected from real SDK spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.cli import main
from tests.commands.test_collect import PAY, world  # noqa: F401 - the fixture
from tests.conftest import commit

GRAPH = """caller,callee,calls_per_s,p50_ms,p90_ms,mode,timeout_ms,retries,fallback
,frontend,10,100,300,,,,
frontend,cart,7,2,5,,,,
frontend,ads,4,10,40,parallel,,,true
frontend,checkout,1,200,900,,,,
checkout,payment,1,5,10,,1000,2,
"""


@pytest.fixture
def snap(world: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:  # noqa: F811
    repo, telemetry = world
    out = tmp_path / "snap"
    assert main(["collect", str(telemetry), "--output", str(out), "--repo", str(repo)]) == 0
    capsys.readouterr()
    return out


def test_simulate_on_a_snapshot_predicts_services_and_slos(
    snap: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", "--snapshot", str(snap), "--inject", "checkout:error=0.5", "--format", "json"]
    assert main([*args, "--trials", "200"]) == 0
    doc = json.loads(capsys.readouterr().out)
    services = {s["service"]: s for s in doc["services"]}
    assert doc["faults"] == ["checkout:error=0.5"] and doc["trials"] == 200
    assert services["checkout"]["affected"] and services["frontend"]["front_door"]
    # every frontend request that reaches checkout now fails half the time: frontend's errors rise
    assert (
        services["frontend"]["error_rate"]["after"]["median"] > services["frontend"]["error_rate"]["before"]
    )
    (slo,) = doc["slos"]
    assert slo["name"] == "checkout-availability" and slo["indicator"] == "availability"
    expected_burn = (1 - slo["sli"]["after"]["median"]) / (1 - 0.99)
    assert slo["burn_rate"]["median"] == pytest.approx(expected_burn, rel=1e-3)
    assert slo["burn_rate"]["median"] > 1 and slo["critical_path"] == ["checkout"]
    assert slo["breach_probability"] == 1.0 and slo["hours_to_exhaust"]["median"] < 28 * 24
    # one declined card in four before any fault: burn 0.25 / 0.01 = 25x, which uses up the budget
    # left without the fault
    assert slo["breach_before"] == 1.0
    assert [n for n in slo["notes"] if "without this change" in n] == [
        f"exhausts its budget without this change (burn rate 25.00x before it, "
        f"{slo['budget_remaining']:.0%} of the budget left)"
    ]

    assert (
        main(["simulate", "--snapshot", str(snap), "--inject", "checkout:checkout.pay.charge:latency=x3"])
        == 0
    )
    text = capsys.readouterr().out
    assert "impact of checkout:checkout.pay.charge:latency=x3 (10,000 trials)" in text
    assert "frontend (front door)" in text
    assert ", P(breach) 100% (exhausts its budget without this change)" in text


def test_check_reports_the_impact_of_a_change(
    world: tuple[Path, Path],  # noqa: F811
    snap: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, _ = world
    commit(repo, {"checkout/pay.py": PAY.replace("return amount", "return amount * 2")})
    args = ["check", "--repo", str(repo), "--base", "HEAD~1", "--snapshot", str(snap)]
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    impact = report["impact"]
    assert impact["trials"] == 2000
    assert impact["faults"][0].startswith("checkout:checkout.pay.charge:error=0.01..0.3")
    assert {s["service"] for s in impact["services"] if s["affected"]} >= {"checkout"}
    assert impact["slos"][0]["name"] == "checkout-availability"
    blast = [f for f in report["risk"]["factors"] if f["name"] in ("front door", "SLO at risk")]
    assert blast and all(0 < f["points"] <= 25 for f in blast)
    assert sum(f["points"] for f in report["risk"]["factors"]) == pytest.approx(
        report["risk"]["score"], abs=0.5
    )
    assert main([*args, "--format", "text"]) == 0
    assert "services affected" in capsys.readouterr().out


def test_simulate_on_a_csv_graph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = tmp_path / "graph.csv"
    graph.write_text(GRAPH, encoding="utf-8")
    assert main(["simulate", "--graph", str(graph), "--inject", "ads:error=1", "--format", "json"]) == 0
    services = {s["service"]: s for s in json.loads(capsys.readouterr().out)["services"]}
    assert services["frontend"]["error_rate"]["after"]["median"] == 0  # the ads call has a fallback
    assert main(["simulate", "--graph", str(graph), "--inject", "payment:error=0.5", "--format", "json"]) == 0
    services = {s["service"]: s for s in json.loads(capsys.readouterr().out)["services"]}
    # two retries: a payment call fails 0.5^3 = 0.125 of the time; payment gets 1 + 0.5 + 0.25 = 1.75x the calls
    assert services["checkout"]["error_rate"]["after"]["median"] == pytest.approx(0.125)
    assert services["payment"]["load_factor"]["median"] == pytest.approx(1.75)


def test_simulate_says_which_magnitudes_were_given_measured_or_assumed(
    snap: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    injected = ["--inject", "checkout:error=0.1..0.3", "--inject", "checkout:latency=20ms"]
    assert main(["simulate", "--snapshot", str(snap), *injected, "--trials", "200", "--format", "json"]) == 0
    assumptions = json.loads(capsys.readouterr().out)["assumptions"]
    assert "magnitude of checkout:error=0.1..0.3: assumed (a range, sampled per scenario)" in assumptions
    assert "magnitude of checkout:latency=20ms: given (not measured)" in assumptions
    # the snapshot measured the calls into checkout (client spans): their error share is the magnitude
    measured = ["--inject", "checkout:error=measured", "--trials", "200", "--format", "json"]
    assert main(["simulate", "--snapshot", str(snap), *measured]) == 0
    doc = json.loads(capsys.readouterr().out)
    (note,) = [a for a in doc["assumptions"] if a.startswith("magnitude of checkout:error=measured")]
    assert note.endswith("of calls, measured (what its callers saw fail)")


def test_simulate_config_declares_calls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = tmp_path / "graph.csv"
    graph.write_text(GRAPH, encoding="utf-8")
    config = tmp_path / "preflight.yml"
    config.write_text(
        "services:\n  checkout:\n    calls:\n      payment: {fallback: true}\n", encoding="utf-8"
    )
    args = ["simulate", "--graph", str(graph), "--config", str(config), "--inject", "payment:error=0.5"]
    assert main([*args, "--format", "json"]) == 0
    services = {s["service"]: s for s in json.loads(capsys.readouterr().out)["services"]}
    assert services["checkout"]["error_rate"]["after"]["median"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nothing to simulate"),
        (["--inject", "cart:error=0.1"], "no service graph"),
        (["--graph", "GRAPH", "--inject", "nowhere:error=0.1"], "no service 'nowhere' in the graph"),
        (["--graph", "GRAPH", "--inject", "cart:error=2"], "0 to 1"),
        (["--graph", "GRAPH", "--inject", "cart:shop.cart.add:error=0.1"], "needs a --snapshot"),
        (
            ["--graph", "GRAPH", "--inject", "cart:error=measured"],
            "no error rate measured on calls into cart",
        ),
        (["--graph", "BAD", "--inject", "cart:error=0.1"], "BAD.csv:2: calls_per_s 'lots' is not a number"),
    ],
)
def test_simulate_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "GRAPH.csv").write_text(GRAPH, encoding="utf-8")
    (tmp_path / "BAD.csv").write_text("caller,callee,calls_per_s\na,b,lots\n", encoding="utf-8")
    args = [str(tmp_path / f"{a}.csv") if a in ("GRAPH", "BAD") else a for a in args]
    assert main(["simulate", *args]) == 2
    assert message in capsys.readouterr().err


def test_an_slo_the_fault_does_not_burn_says_no_time_to_exhaust(capsys: pytest.CaptureFixture[str]) -> None:
    shop = Path(__file__).resolve().parents[2] / "examples" / "shop" / "snapshot"
    assert (
        main(["simulate", "--snapshot", str(shop), "--inject", "payment:error=0.5", "--trials", "200"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    (cart,) = [line for line in lines if "SLO cart-availability" in line]
    assert cart.endswith("burn 0.0x, P(breach) 0%"), cart
    assert not [line for line in lines if "inf h" in line]
    (checkout,) = [line for line in lines if "SLO checkout-availability" in line]
    assert ", budget gone in " in checkout  # a burning one still says when

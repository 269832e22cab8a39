"""Prediction vs reality: inject a real fault into the running shop and compare with `preflight simulate`.

    python examples/shop/validate.py                     # every scenario, 30 s of load per run
    python examples/shop/validate.py --seconds 20 --scenario hot-checkout-path --output results.md

For each scenario patch's function, the shop runs with a fault wrapped around that
function at start-up (`inject.py`: no source file changes, so the committed telemetry's
line numbers stay right), once raising in a share of its calls and once sleeping in
every call. The load generator drives the frontend as `load.py` does; every service's
server spans and the shoppers' own timings give the measured error rate and latency,
against a baseline run without the fault (and a second baseline, for the noise).
preflight predicts the same fault with `preflight simulate` on the committed snapshot
and, to separate the model from the snapshot's age, on a snapshot of the baseline run;
`preflight check` of each scenario patch says what the gate itself would have said.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # the shop package, load.py and inject.py, also when loaded by path
import load  # noqa: E402
from inject import Run, Sample, Stats, measure, stats  # noqa: E402
from shop import SERVICES  # noqa: E402

AFFECTED_RATIO, AFFECTED_ERROR = 1.5, 0.01
"""preflight's rule: a service is affected when its p90 grows 1.5x or its error rate by one point."""


def affected(base: Stats | None, after: Stats | None) -> bool:
    """preflight's rule applied to two measured runs."""
    if base is None or after is None:
        return False
    slow = after.p90 / base.p90 >= AFFECTED_RATIO if base.p90 > 0 else False
    return slow or after.error_rate - base.error_rate >= AFFECTED_ERROR


# --- preflight's prediction ----------------------------------------------------------------------


def predict(specs: Sequence[str], snapshot: Path, trials: int = 2000) -> dict[str, Any]:
    """`preflight simulate --format json` for the faults on a snapshot, with the example's config."""
    command = [sys.executable, "-m", "preflight", "simulate", "--snapshot", str(snapshot)]
    command += ["--config", str(ROOT / ".preflight.yml"), "--trials", str(trials), "--format", "json"]
    for spec in specs:
        command += ["--inject", spec]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"preflight simulate {' '.join(specs)} failed: {done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario patch's function: where the real fault goes and how preflight is told about it."""

    name: str
    function: str
    """MODULE:FUNCTION wrapped in the running services."""
    targets: tuple[str, ...]
    """`preflight simulate` targets (SERVICE[:FUNCTION]) for the same fault."""
    note: str


SCENARIOS = (
    Scenario(
        "hot-checkout-path",
        "shop.currency:convert",
        ("currency:shop.currency.convert",),
        "currency.convert, weighted by its measured share of currency's requests",
    ),
    Scenario(
        "rare-function",
        "shop.ad:get_random_ads",
        ("ad",),
        "get_random_ads has no span of its own: the whole ad service (every request), the bound "
        "preflight takes for an unknown share",
    ),
    Scenario(
        "helper-signature",
        "shop.money:from_float",
        ("currency:shop.currency.convert", "shipping:shop.shipping.get_quote", "productcatalog"),
        "money.from_float has no span: at its measured callers currency.convert and "
        "shipping.get_quote, and at productcatalog, where every request runs it (through _public)",
    ),
)


@dataclass(frozen=True, slots=True)
class Fault:
    """One real fault and the same fault as preflight is told it."""

    label: str
    injection: str
    """SHOP_FAULT."""
    specs: tuple[str, ...]
    """`preflight simulate --inject` specs."""


def scenario_faults(scenario: Scenario, error: float, sleep_ms: float) -> list[Fault]:
    """The scenario's function raising in a share of its calls, and sleeping in every call."""
    where = scenario.function.replace(":", ".")
    return [
        Fault(
            f"{scenario.name}: {where} raises in {error:.0%} of calls",
            f"{scenario.function}:error={error:g}",
            tuple(f"{target}:error={error:g}" for target in scenario.targets),
        ),
        Fault(
            f"{scenario.name}: {where} +{sleep_ms:g} ms per call",
            f"{scenario.function}:sleep={sleep_ms / 1000:g}",
            tuple(f"{target}:latency={sleep_ms:g}ms" for target in scenario.targets),
        ),
    ]


# --- comparison ------------------------------------------------------------------------------------

SHOPPERS = "shoppers (front door)"


@dataclass(frozen=True, slots=True)
class Row:
    """One service under one fault: preflight's prediction next to the measured runs."""

    fault: str
    service: str
    predicted: dict[str, Any] | None
    """The service's entry in the simulate JSON (None: nothing predicted)."""
    base: Stats | None
    after: Stats | None


def rows(label: str, prediction: dict[str, Any] | None, baseline: Run, run: Run) -> list[Row]:
    """The services the prediction moves or the measurement shows affected, the frontend, the shoppers."""
    predicted = {s["service"]: s for s in prediction["services"]} if prediction else {}
    found = []
    for service in SERVICES:
        guess = predicted.get(service)
        base, after = stats(baseline.services.get(service, ())), stats(run.services.get(service, ()))
        moved = guess is not None and (
            guess["affected_probability"] > 0
            or guess["error_rate"]["after"]["median"] != guess["error_rate"]["before"]
            or abs(guess["added_p90_ms"]["median"]) >= 0.05
        )
        if service == "frontend" or moved or affected(base, after):
            found.append(Row(label, service, guess, base, after))
    found.append(
        Row(label, SHOPPERS, predicted.get("frontend"), stats(baseline.shoppers), stats(run.shoppers))
    )
    return found


@dataclass(frozen=True, slots=True)
class SloRow:
    """One SLO under one fault: predicted SLI, burn rate and breach next to the measured ones."""

    fault: str
    name: str
    predicted: dict[str, Any] | None
    base: float | None
    after: float | None
    objective: float
    budget: float | None

    def burn(self) -> float | None:
        """Measured burn rate under the fault."""
        return None if self.after is None else (1 - self.after) / (1 - self.objective)

    def breached(self) -> bool | None:
        """preflight's breach rule on the measured burn: the remaining budget gone within the window."""
        burn = self.burn()
        return None if burn is None or self.budget is None else burn >= self.budget


def measured_sli(samples: Sequence[Sample], slo: Mapping[str, Any]) -> float | None:
    """The SLO's SLI over a run's server spans: its route only when it names one."""
    route = slo.get("route")
    chosen = [s for s in samples if not route or s.route == route]
    if not chosen:
        return None
    if slo["indicator"] == "latency":
        return sum(1 for s in chosen if s.ms <= float(slo["threshold_ms"])) / len(chosen)
    return sum(1 for s in chosen if s.status < 500) / len(chosen)


def slo_rows(
    label: str, prediction: dict[str, Any] | None, definitions: list[dict[str, Any]], baseline: Run, run: Run
) -> list[SloRow]:
    """The SLOs preflight gives a chance of breach, or that the measured run breaches."""
    predicted = {s["name"]: s for s in prediction["slos"]} if prediction else {}
    found = []
    for slo in definitions:
        guess = predicted.get(slo["name"])
        row = SloRow(
            label,
            slo["name"],
            guess,
            measured_sli(baseline.services.get(slo["service"], ()), slo),
            measured_sli(run.services.get(slo["service"], ()), slo),
            float(slo["objective"]),
            slo.get("budget_remaining"),
        )
        burn = row.burn() or 0.0
        if (guess and (guess["breach_probability"] or 0) > 0) or row.breached() or burn >= 1:
            found.append(row)
    return found


def slo_definitions(snapshot: Path) -> list[dict[str, Any]]:
    """The snapshot's SLOs (route, threshold, objective, budget left) as plain dicts."""
    import pandas as pd

    table = pd.read_parquet(snapshot / "slos.parquet")
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in table.to_dict("records")]


# --- what `preflight check` says about each patch ---------------------------------------------------


def check(scenario: str, snapshot: Path) -> dict[str, Any]:
    """`preflight check --format json` of a scenario patch on a throw-away copy of the example."""
    with tempfile.TemporaryDirectory() as scratch:
        repo = load.example_repository(Path(scratch))
        git = ["git", "-C", str(repo), "-c", "user.name=shop", "-c", "user.email=shop@example.com"]
        subprocess.run([*git, "apply", str(ROOT / "scenarios" / f"{scenario}.patch")], check=True)
        subprocess.run([*git, "commit", "-q", "-am", scenario], check=True)
        command = [sys.executable, "-m", "preflight", "check", "--repo", str(repo), "--base", "HEAD~1"]
        command += ["--head", "HEAD", "--snapshot", str(snapshot), "--format", "json"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"preflight check of {scenario} failed: {done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# --- the report -------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _get(measured: Stats | None, name: str) -> float | None:
    return None if measured is None else float(getattr(measured, name))


def _pair(before: str, after: str) -> str:
    return f"{before} → {after}"


def service_table(found: Sequence[Row]) -> list[str]:
    """Markdown: per fault and service, predicted and measured error rate, p90, p99 and affected."""
    lines = [
        "| fault | service | errors predicted | errors measured | p90 ms predicted | p90 ms measured "
        "| p99 ms measured | affected: P predicted | measured |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    previous = None
    for row in found:
        guess, base, after = row.predicted, row.base, row.after
        if guess is None:
            errors_predicted = p90_predicted = chance = "–"
        else:
            errors_predicted = _pair(
                _pct(guess["error_rate"]["before"]), _pct(guess["error_rate"]["after"]["median"])
            )
            p90 = guess["p90_ms"]
            p90_predicted = _pair(_ms(p90["before"]), _ms(p90["after"]["median"])) if p90["before"] else "–"
            chance = f"{guess['affected_probability']:.0%}"
        measured = [
            _pair(_pct(_get(base, "error_rate")), _pct(_get(after, "error_rate"))),
            _pair(_ms(_get(base, "p90")), _ms(_get(after, "p90"))),
            _pair(_ms(_get(base, "p99")), _ms(_get(after, "p99"))),
        ]
        label = "" if row.fault == previous else row.fault
        previous = row.fault
        cells = [label, row.service, errors_predicted, measured[0], p90_predicted, measured[1], measured[2]]
        cells += [chance, "yes" if affected(base, after) else "no"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def slo_table(found: Sequence[SloRow]) -> list[str]:
    """Markdown: per fault and SLO, predicted and measured SLI, burn rate and breach."""
    lines = [
        "| fault | SLO | SLI predicted | SLI measured | burn predicted | burn measured "
        "| breach: P predicted | measured |",
        "|---|---|---|---|---|---|---|---|",
    ]
    previous = None
    for row in found:
        guess = row.predicted
        if guess is None or guess["sli"]["before"] is None:
            sli = burn = chance = "–"
        else:
            sli = _pair(_pct(guess["sli"]["before"]), _pct(guess["sli"]["after"]["median"]))
            burn = f"{guess['burn_rate']['median']:.1f}x"
            chance = "–" if guess["breach_probability"] is None else f"{guess['breach_probability']:.0%}"
        measured_burn = row.burn()
        breached = row.breached()
        label = "" if row.fault == previous else row.fault
        previous = row.fault
        cells = [label, row.name, sli, _pair(_pct(row.base), _pct(row.after))]
        cells += [burn, "–" if measured_burn is None else f"{measured_burn:.1f}x", chance]
        cells.append("–" if breached is None else "yes" if breached else "no")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def check_table(checks: Mapping[str, dict[str, Any]]) -> list[str]:
    """Markdown: what `preflight check` said about each scenario patch."""
    lines = [
        "| patch | score | faults check injected | front door P(affected) | SLOs with P(breach) ≥ 50% |",
        "|---|---|---|---|---|",
    ]
    for name, report in checks.items():
        impact = report.get("impact")
        if impact is None:
            injected, door, slos = "none (no changed function has a service)", "–", "–"
        else:
            injected = "<br>".join(f"`{spec}`" for spec in impact["faults"])
            door = ", ".join(
                f"{s['service']} {s['affected_probability']:.0%}"
                for s in impact["services"]
                if s["front_door"]
            )
            breaching = [s for s in impact["slos"] if (s["breach_probability"] or 0) >= 0.5]
            slos = ", ".join(f"{s['name']} {s['breach_probability']:.0%}" for s in breaching) or "none"
        risk = report["risk"]
        lines.append(f"| {name} | {risk['score']} ({risk['level']}) | {injected} | {door} | {slos} |")
    return lines


def run_table(runs: Sequence[tuple[str, Run]]) -> list[str]:
    """Markdown: each run's size, so the reader can judge the noise."""
    lines = ["| run | shopper requests | server spans | wall clock of the load |", "|---|---|---|---|"]
    for label, run in runs:
        spans = sum(len(samples) for samples in run.services.values())
        lines.append(f"| {label} | {len(run.shoppers)} | {spans} | {run.seconds:.0f} s |")
    return lines


def machine() -> str:
    """Where the numbers come from: CPU model and count, Python, load average."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def report(
    args: argparse.Namespace,
    runs: Sequence[tuple[str, Run]],
    results: Sequence[tuple[Fault, Run, dict[str, Any], dict[str, Any] | None]],
    baseline: Run,
    definitions: list[dict[str, Any]],
    checks: Mapping[str, dict[str, Any]],
    loads: tuple[tuple[float, ...], tuple[float, ...]],
) -> str:
    """The whole comparison as Markdown."""
    again = runs[1][1] if len(runs) > 1 else None
    committed: list[Row] = []
    slos: list[SloRow] = []
    fresh: list[Row] = []
    if again is not None:
        committed += rows("none (baseline again: the noise)", None, baseline, again)
        slos += slo_rows("none (baseline again: the noise)", None, definitions, baseline, again)
    for fault, run, prediction, rebuilt in results:
        committed += rows(fault.label, prediction, baseline, run)
        slos += slo_rows(fault.label, prediction, definitions, baseline, run)
        if rebuilt is not None:
            fresh += rows(fault.label, rebuilt, baseline, run)
    started, ended = loads
    lines = [
        "# Prediction vs reality: real faults in the shop example",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}; load average (1, 5, 15 min) "
        f"{', '.join(f'{v:.2f}' for v in started)} before, {', '.join(f'{v:.2f}' for v in ended)} after. "
        f"Each run: {args.seconds:g} s of load.py's request mix, {args.users} shoppers, about "
        f"{args.rate:g} requests/s, seed {args.seed}; faults {args.error:.0%} of calls raising, "
        f"or +{args.sleep_ms:g} ms per call. Predictions: `preflight simulate --trials {args.trials}` "
        "with the same fault on the committed snapshot (`snapshot/`) and `.preflight.yml`.",
        "",
        "Predicted values are before → after (medians); measured ones are the baseline run → the run "
        "with the fault, from every service's server spans (errors: 5xx) and, for the shoppers, the load "
        "generator's own timings (errors: 5xx or no answer). Affected: p90 up 1.5x or errors up one "
        "point, preflight's rule, applied to both. The second baseline shows what noise alone does. "
        "Reproduce: `make validate-example` (`examples/shop/validate.py --output "
        "examples/shop/validation.md`).",
        "",
        "## Services and the front door",
        "",
        *service_table(committed),
        "",
        "## SLOs (measured: SLI over the run's requests, the SLO's route only; breach: burn ≥ budget left)",
        "",
        *slo_table(slos),
        "",
    ]
    if fresh:
        lines += [
            "## The same faults predicted from a snapshot of the baseline run",
            "",
            "The committed snapshot is a different run of the shop (another day, other traffic). "
            "Here `preflight collect` builds the snapshot from this baseline run's own spans, so what "
            "is left between prediction and measurement is the model.",
            "",
            *service_table(fresh),
            "",
        ]
    lines += ["## What `preflight check` said about each patch", "", *check_table(checks), ""]
    lines += ["## How each fault was given to preflight", ""]
    for scenario in SCENARIOS:
        if scenario.name in checks:
            lines.append(f"- {scenario.name}: {scenario.note}.")
    lines += ["", "## Runs", "", *run_table(runs), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="load per run (default 30)")
    parser.add_argument("--users", type=int, default=4, help="concurrent shoppers (default 4)")
    parser.add_argument("--rate", type=float, default=8.0, help="requests per second, all users (default 8)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--error", type=float, default=0.2, help="share of calls that raise (default 0.2)")
    parser.add_argument("--sleep-ms", type=float, default=200.0, help="added per call (default 200)")
    parser.add_argument("--trials", type=int, default=2000, help="preflight simulate's trials (default 2000)")
    names = [s.name for s in SCENARIOS]
    parser.add_argument("--scenario", action="append", choices=names, help="repeatable (default: all)")
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    scenarios = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    started = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)

        def run(label: str, fault: str, directory: str) -> Run:
            print(f"validate: {label} ({args.seconds:g} s)", file=sys.stderr, flush=True)
            return measure(fault, work / directory, args.seconds, args.users, args.rate, args.seed)

        baseline = run("baseline", "", "baseline")
        load.collect(work / "baseline", work / "snapshot", args.seconds)
        runs = [("baseline", baseline), ("baseline again", run("baseline again", "", "again"))]
        results = []
        for number, fault in enumerate(
            f for s in scenarios for f in scenario_faults(s, args.error, args.sleep_ms)
        ):
            measured = run(fault.label, fault.injection, f"fault-{number}")
            runs.append((fault.label, measured))
            predicted = predict(fault.specs, ROOT / "snapshot", args.trials)
            results.append((fault, measured, predicted, predict(fault.specs, work / "snapshot", args.trials)))
        checks = {s.name: check(s.name, ROOT / "snapshot") for s in scenarios}
    definitions = slo_definitions(ROOT / "snapshot")
    text = report(args, runs, results, baseline, definitions, checks, (started, os.getloadavg()))
    print(text)
    if args.output is not None:
        args.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Leave one fault type out: do the bench's choices hold on a fault type they were not made on?

    python -m bench.propagation_loto [--data DIR] [--day DAY] [--trials N] [--output FILE]

Where the data is silent the bench makes choices (bench.propagation_nezha.Choices: the front
end's p50, the network delay range, the error share range, the rate of a call missing from
the traces). Here each of the 16 combinations is scored on the faults of four fault types
(pooled F1 of the affected sets) and the best is used to predict the fifth; ties keep the
default. A choice that only fits the type it was tuned on shows as a gap between the in-sample
best and the left-out rows. The model itself has no parameter fit to the data.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections import defaultdict
from pathlib import Path

from bench.propagation_nezha import (
    DATA,
    DEFAULT,
    FALLBACKS,
    LATENCY_TYPES,
    VARIANTS,
    Choices,
    Fault,
    candidates,
    graph_for,
    load,
    measured,
    predicted,
    score,
)

TYPES = ("cpu_contention", "cpu_consumed", "network_delay", "exception", "return")
Row = tuple[set[str], set[str], set[str]]


def table(
    faults: list[Fault], edges: list[dict[str, str]], deps: list[tuple[str, str]], trials: int
) -> dict[Choices, dict[str, Row]]:
    """Every variant's (predicted, measured, comparable) per fault, by inject_ts."""
    out: dict[Choices, dict[str, Row]] = {}
    for choices in VARIANTS:
        rows = {}
        for fault in faults:
            guess, _, _ = predicted(fault, graph_for(fault, edges, deps, FALLBACKS, choices), trials, choices)
            rows[fault.inject_ts] = (guess, measured(fault)[0], candidates(fault))
        out[choices] = rows
    return out


def f1(rows: list[Row]) -> float:
    p, r, *_ = score(rows)
    return 2 * p * r / (p + r) if p + r else 0.0


def best(results: dict[Choices, dict[str, Row]], faults: list[Fault]) -> Choices:
    """The variant with the highest pooled F1 on these faults; the default when it ties."""
    scored = {c: f1([results[c][f.inject_ts] for f in faults]) for c in VARIANTS}
    top = max(scored.values())
    return (
        DEFAULT if scored[DEFAULT] >= top - 1e-12 else max(VARIANTS, key=lambda c: (scored[c], c == DEFAULT))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--day")
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "propagation_loto.md"
    )
    args = parser.parse_args(argv)
    edges, deps, faults = load(args.data, args.day)
    results = table(faults, edges, deps, args.trials)
    everywhere = best(results, faults)
    rows: dict[str, dict[str, list[Row]]] = {
        name: defaultdict(list) for name in ("default", "in-sample", "left out")
    }
    picked = {}
    for kind in TYPES:
        held = [f for f in faults if f.kind == kind]
        chosen = best(results, [f for f in faults if f.kind != kind])
        picked[kind] = chosen
        for name, choices in (("default", DEFAULT), ("in-sample", everywhere), ("left out", chosen)):
            for fault in held:
                group = "latency" if fault.kind in LATENCY_TYPES else "error"
                for key in (kind, group, "all"):
                    rows[name][key].append(results[choices][fault.inject_ts])
    lines = [
        "# Leave one fault type out (Nezha / Online Boutique)",
        "",
        f"Command: `python -m bench.propagation_loto --trials {args.trials}`. Python {platform.python_version()}, "
        f"data: `{args.data.name}` ({len(faults)} faults), {len(VARIANTS)} combinations of the bench's choices.",
        "",
        f"Default: {DEFAULT.label()}. In-sample best (chosen on all faults): {everywhere.label()}.",
        "",
        "| fault type | faults | default P / R / F1 | in-sample best P / R / F1 | left out P / R / F1 | chosen without it |",
        "|---|---:|---|---|---|---|",
    ]
    for key in (*TYPES, "latency", "error", "all"):
        cells = []
        for name in ("default", "in-sample", "left out"):
            p, r, *_ = score(rows[name][key])
            cells.append(f"{p:.2f} / {r:.2f} / {f1(rows[name][key]):.2f}")
        n = sum(
            1
            for f in faults
            if key in (f.kind, "all")
            or ((key == "latency") == (f.kind in LATENCY_TYPES) and key in ("latency", "error"))
        )
        named = picked[key].label() if key in picked else "-"
        lines.append(f"| {key} | {n} | {' | '.join(cells)} | {named} |")
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

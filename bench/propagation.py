"""Speed and memory of the failure-propagation simulator on a synthetic 2,000-service graph.

Usage (from the repository root):
    python -m bench.propagation [--quick] [--services 2000] [--edges 20000] [--trials 10000]
                                [--repeat 3] [--profile] [--output FILE]

The graph is generated deterministically (seeded) and layered like a real microservice
system: a few front doors, two mid tiers (edge/BFF, domain) and leaf/data services. Calls
per request are lognormal (most < 1, some 1-5), callees are picked by Zipf popularity (a
few hot shared services), latencies are lognormal per tier (leaves a few ms, front doors
50-500 ms); a few callers fan out in parallel, a small share of edges has timeouts, retries
or fallbacks, and a few back-edges close 2- and 3-service cycles.

A fault with an uncertain magnitude is injected at the leaf with the most transitive callers
and `simulate(...)` is timed end to end. Every point runs in a fresh child process, so its
peak RSS (ru_maxrss) is its own; the headline is the best of --repeat runs, sweeps one run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import child as child_process

SEED = 20240601
HEADLINE_FAULTS = ("error=0.01..0.3", "latency=20ms..500ms")
TARGET_S = 2.0
SERVICE_SWEEP = (250, 500, 1000, 2000, 4000)
EDGES_PER_SERVICE = 10
EDGE_SWEEP = (5_000, 10_000, 20_000, 40_000)
TRIAL_SWEEP = (1_000, 3_000, 10_000, 30_000)
MEMORY_CAP = 16 * 2**30
"""Address-space cap per measured process, so a runaway point fails alone instead of the machine."""
CHILD_TIMEOUT = 600.0

# Tiers, shallow to deep: (name prefix, share of services, p50 median ms, p50 clip ms).
TIERS = (
    ("front", 0.01, 150.0, (50.0, 500.0)),
    ("edge", 0.07, 40.0, (8.0, 300.0)),
    ("domain", 0.42, 15.0, (2.0, 150.0)),
    ("platform", 0.10, 5.0, (1.0, 60.0)),
    ("data", 0.40, 2.0, (0.3, 40.0)),
)
# Where a caller's calls go: probability of each deeper tier (rows: caller tiers front..platform).
CALLEE_TIER = (
    (0.0, 0.70, 0.25, 0.05, 0.0),
    (0.0, 0.0, 0.70, 0.20, 0.10),
    (0.0, 0.0, 0.0, 0.30, 0.70),
    (0.0, 0.0, 0.0, 0.0, 1.0),
)
ZIPF = 1.1
"""Popularity exponent of callees within a tier: a few shared services are called by many."""
CALLS_PER_REQUEST = (4.0, 0.8, 0.5, 40.0)
"""A service's outgoing calls per request it serves: lognormal median, sigma, clipped to [low, high]."""
SHARE_ALPHA = 0.5
"""Dirichlet concentration splitting them over its callees (skewed: a few callees get most calls)."""
PER_CALL = (0.001, 5.0)
"""Calls per request on one edge, clipped to [low, high]: most < 1, some 1-5."""
PARALLEL_CALLERS = 0.05
"""Share of callers with 3+ calls that make all their calls in parallel (fan-out)."""
TIMEOUTS, RETRIES, FALLBACKS = 0.05, 0.03, 0.03
BACK_EDGES = 0.002
"""Back-edges (mid tier to a caller of it, or of its caller) per edge: 2- and 3-service cycles."""
MAX_CYCLE = 8


def generate(services: int, edges: int, seed: int = SEED) -> tuple[list[Any], list[Any]]:
    """(Service list, Call list) of a layered synthetic graph; the same arguments give the same graph."""
    from preflight.models import Call, Service
    from preflight.propagation.graph import PARALLEL

    rng = np.random.default_rng([seed, services, edges])
    counts = [max(2, round(services * share)) for _, share, _, _ in TIERS]
    counts[-1] = services - sum(counts[:-1])
    tier = np.repeat(np.arange(len(TIERS)), counts)
    starts = np.r_[0, np.cumsum(counts)]
    names = [f"{TIERS[t][0]}-{i - starts[t]:04d}" for i, t in enumerate(tier.tolist())]
    # Popularity (callee) and activity (caller) weights, both heavy-tailed; shuffled within a tier.
    popularity = np.empty(services)
    for t, count in enumerate(counts):
        popularity[starts[t] : starts[t + 1]] = rng.permutation(1.0 / np.arange(1, count + 1) ** ZIPF)
    activity = rng.pareto(1.5, services) + 1.0
    pairs: dict[tuple[int, int], None] = {}

    def pick_callee(caller_tiers: np.ndarray) -> np.ndarray:
        callee_tier = np.empty(len(caller_tiers), dtype=int)
        for t in set(caller_tiers.tolist()):
            where = np.flatnonzero(caller_tiers == t)
            callee_tier[where] = rng.choice(len(TIERS), size=len(where), p=CALLEE_TIER[t])
        out = np.empty(len(caller_tiers), dtype=int)
        for t in set(callee_tier.tolist()):
            where = np.flatnonzero(callee_tier == t)
            weights = popularity[starts[t] : starts[t + 1]]
            out[where] = starts[t] + rng.choice(counts[t], size=len(where), p=weights / weights.sum())
        return out

    # Everyone below the front doors has a caller in a shallower tier, and every non-leaf calls someone.
    for callee in range(starts[1], services):
        shallower = np.flatnonzero(tier < tier[callee])
        weights = activity[shallower] * np.where(tier[shallower] == tier[callee] - 1, 4.0, 1.0)
        pairs[(int(rng.choice(shallower, p=weights / weights.sum())), callee)] = None
    callers = np.flatnonzero(tier < len(TIERS) - 1)
    for caller, callee in zip(callers.tolist(), pick_callee(tier[callers]).tolist(), strict=True):
        pairs[(caller, callee)] = None
    caller_p = activity[callers] / activity[callers].sum()
    wanted_back = max(2, round(BACK_EDGES * edges))
    while len(pairs) < edges - wanted_back:
        batch = rng.choice(callers, size=2 * (edges - len(pairs)), p=caller_p)
        for caller, callee in zip(batch.tolist(), pick_callee(tier[batch]).tolist(), strict=True):
            if len(pairs) >= edges - wanted_back:
                break
            pairs[(caller, callee)] = None
    downward = list(pairs)
    back = _back_edges(downward, tier, rng, wanted_back)
    pairs.update(dict.fromkeys(back))
    backs = set(back)

    # Services: latencies per tier (lognormal), rates from the front doors down the forward edges.
    p50 = np.empty(services)
    for t, (_, _, median, (low, high)) in enumerate(TIERS):
        p50[starts[t] : starts[t + 1]] = np.clip(median * rng.lognormal(0.0, 0.7, counts[t]), low, high)
    p90 = p50 * rng.uniform(1.5, 4.0, services)
    median, sigma, low, high = CALLS_PER_REQUEST
    out_edges: dict[int, list[tuple[int, int]]] = {}
    for pair in downward:
        out_edges.setdefault(pair[0], []).append(pair)
    per_request: dict[tuple[int, int], float] = {}
    for mine in out_edges.values():
        total = float(np.clip(median * rng.lognormal(0.0, sigma), low, high))
        shares = rng.dirichlet(np.full(len(mine), SHARE_ALPHA))
        for pair, share in zip(mine, np.clip(total * shares, *PER_CALL).tolist(), strict=True):
            per_request[pair] = share
    for pair, path in back.items():
        # Calls around a cycle stay below one per request (else a request would recurse forever).
        around = math.prod(per_request[edge] for edge in path)
        per_request[pair] = float(rng.uniform(0.01, 0.2)) / max(1.0, around)
    rate = np.zeros(services)
    rate[: starts[1]] = rng.lognormal(math.log(300.0), 1.0, starts[1])
    for a, b in sorted(downward, key=lambda pair: (tier[pair[0]], pair[0])):
        rate[b] += rate[a] * per_request[(a, b)]
    base_error = rng.uniform(0.0, 0.003, services)
    utilization = rng.uniform(0.15, 0.7, services)
    service_list = [
        Service(
            names[i],
            requests_per_s=round(float(rate[i]), 3),
            p50_ms=round(float(p50[i]), 3),
            p90_ms=round(float(p90[i]), 3),
            error_rate=round(float(base_error[i]), 5),
            utilization=round(float(utilization[i]), 3),
        )
        for i in range(services)
    ]
    fan_out: dict[int, int] = {}
    for a, _ in downward:
        fan_out[a] = fan_out.get(a, 0) + 1
    parallel = {a for a, n in fan_out.items() if n >= 3 and rng.random() < PARALLEL_CALLERS}
    calls = []
    for a, b in downward + list(back):
        network = float(rng.uniform(0.2, 2.0))
        call_p50, call_p90 = p50[b] + network, p90[b] + network
        timeout = round(float(call_p90 * rng.uniform(2.0, 10.0)), 1) if rng.random() < TIMEOUTS else None
        retries = int(rng.integers(1, 4)) if rng.random() < RETRIES * (3 if timeout else 1) else 0
        calls.append(
            Call(
                names[a],
                names[b],
                per_request=round(per_request[(a, b)], 4),
                p50_ms=round(float(call_p50), 3),
                p90_ms=round(float(call_p90), 3),
                mode=PARALLEL if a in parallel and (a, b) not in backs else "sequential",
                timeout_ms=timeout,
                retries=retries,
                fallback=bool(rng.random() < FALLBACKS),
            )
        )
    return service_list, calls


def _back_edges(
    downward: list[tuple[int, int]], tier: np.ndarray, rng: Any, wanted: int
) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Mid-tier callees that call a caller back (directly or one call further): back-edge -> the
    forward path it closes. Cycles have at most MAX_CYCLE services: a back-edge whose cycle would
    swallow more (every service on a path between its two ends joins it) is skipped."""
    import networkx as nx

    graph = nx.DiGraph(downward)
    mid = [(a, b) for a, b in downward if tier[a] >= 1 and tier[b] <= 3]
    cycle_of: dict[int, frozenset[int]] = {}
    back: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i in rng.permutation(len(mid)).tolist():
        if len(back) >= wanted:
            break
        a, b = mid[i]
        further = [c for c in graph.successors(b) if tier[c] <= 3]
        end = b if not further or rng.random() < 0.5 else further[int(rng.integers(len(further)))]
        if graph.has_edge(end, a):
            continue
        members = (nx.descendants(graph, a) & nx.ancestors(graph, end)) | {a, end}
        for node in list(members):
            members |= cycle_of.get(node, frozenset())
        if len(members) > MAX_CYCLE:
            continue
        graph.add_edge(end, a)
        back[(end, a)] = [(a, b)] if end == b else [(a, b), (b, end)]
        cycle = frozenset(members)
        for node in cycle:
            cycle_of[node] = cycle
    return back


def hottest_leaf(graph: Any) -> tuple[str, int]:
    """The leaf (no callees) with the most transitive callers, and that count (bitsets over the SCC DAG)."""
    import networkx as nx

    condensed = nx.condensation(graph.graph)
    callers: dict[int, int] = {}
    for component in nx.topological_sort(condensed):
        bits = 0
        for parent in condensed.predecessors(component):
            bits |= callers[parent] | (1 << parent)
        callers[component] = bits
    mapping = condensed.graph["mapping"]
    best = max(
        (n for n in graph.graph.nodes if graph.graph.out_degree(n) == 0),
        key=lambda n: (sum(len(condensed.nodes[c]["members"]) for c in _bits(callers[mapping[n]])), n),
    )
    component = mapping[best]
    count = sum(len(condensed.nodes[c]["members"]) for c in _bits(callers[component]))
    return best, count


def _bits(value: int) -> list[int]:
    out = []
    while value:
        low = value & -value
        out.append(low.bit_length() - 1)
        value ^= low
    return out


def shape(graph: Any) -> dict[str, Any]:
    """Facts about the generated graph, for the report."""
    import networkx as nx

    calls = graph.calls()
    sccs = [len(c) for c in nx.strongly_connected_components(graph.graph) if len(c) > 1]
    per_request = np.array([c.per_request for c in calls])
    return {
        "services": graph.graph.number_of_nodes(),
        "edges": graph.graph.number_of_edges(),
        "front_doors": len(graph.front_doors()),
        "leaves": sum(1 for n in graph.graph.nodes if graph.graph.out_degree(n) == 0),
        "cycles": len(sccs),
        "largest_cycle": max(sccs, default=0),
        "per_request_below_1": float((per_request < 1).mean()),
        "per_request_1_to_5": float(((per_request >= 1) & (per_request <= 5)).mean()),
        "parallel": sum(c.mode == "parallel" for c in calls),
        "timeouts": sum(c.timeout_ms is not None for c in calls),
        "retries": sum(c.retries > 0 for c in calls),
        "fallbacks": sum(c.fallback for c in calls),
        "max_out_degree": max(d for _, d in graph.graph.out_degree()),
        "max_in_degree": max(d for _, d in graph.graph.in_degree()),
    }


def calls_into(graph: Any, target: str) -> dict[str, float]:
    """Mean calls each service makes to target per request it serves, over downward (tier to deeper
    tier) calls only: back-edges carry < 0.2 calls per request and are left out."""
    depth = {name: d for d, (name, *_) in enumerate(TIERS)}
    tier = {n: depth[n.rsplit("-", 1)[0]] for n in graph.graph.nodes}
    calls: dict[str, float] = {target: 1.0}
    for name in sorted(graph.graph.nodes, key=lambda n: -tier[n]):
        if name != target:
            calls[name] = sum(
                data["call"].per_request * calls.get(callee, 0.0)
                for _, callee, data in graph.graph.out_edges(name, data=True)
                if tier[callee] > tier[name]
            )
    return calls


def child(request: dict[str, Any]) -> dict[str, Any]:
    """One point inside this (fresh) process: build the graph, simulate `repeat` times, report.

    With "profile": one more run under cProfile if the best run missed TARGET_S.
    """
    from preflight.propagation import parse, simulate
    from preflight.propagation.graph import ServiceGraph

    start = time.perf_counter()
    services, calls = generate(request["services"], request["edges"])
    generated = time.perf_counter() - start
    start = time.perf_counter()
    graph = ServiceGraph(services, calls)
    constructed = time.perf_counter() - start
    leaf, reach = hottest_leaf(graph)
    rss_graph = _rss_mib()
    faults = [parse(f"{leaf}:{request['fault']}")]
    times = []
    for _ in range(request["repeat"]):
        start = time.perf_counter()
        impact = simulate(graph, faults, slos=(), trials=request["trials"], seed=0)
        times.append(time.perf_counter() - start)
    profile = None
    if request.get("profile") and min(times) >= TARGET_S:
        profiler = cProfile.Profile()
        profiler.enable()
        simulate(graph, faults, slos=(), trials=request["trials"], seed=0)
        profiler.disable()
        profile = _profile_text(profiler)
    doors = [s for s in impact.services if s.front_door]
    into = calls_into(graph, leaf)
    return {
        **request,
        "fault_spec": faults[0].spec,
        "reach": reach,
        "generate_s": generated,
        "construct_s": constructed,
        "seconds": min(times),
        "times": times,
        "rss_graph_mib": rss_graph,
        "rss_mib": _rss_mib(),
        "changed": sum(s.affected_probability > 0 or s.load_factor.high != 1.0 for s in impact.services),
        "affected": sum(s.affected for s in impact.services),
        "doors": len(doors),
        "doors_affected": sum(s.affected for s in doors),
        "door_calls_median": float(np.median([into[s.service] for s in doors])),
        "door_error_median": float(np.median([s.error_rate_after.median for s in doors])),
        "door_added_p90_median": float(np.median([s.added_p90_ms.median for s in doors])),
        "door_added_p50_median": float(
            np.median(
                [
                    s.p50_ms_after.median - s.p50_ms_before
                    for s in doors
                    if s.p50_ms_after and s.p50_ms_before is not None
                ]
            )
        ),
        # A service cannot get faster than 0 ms: an added p90 below minus its p90 before is impossible.
        "below_zero": [
            (s.service, s.p90_ms_before, round(s.added_p90_ms.median, 1))
            for s in impact.services
            if s.p90_ms_before is not None and s.added_p90_ms.median < -s.p90_ms_before
        ],
        "unsettled": sum("did not settle" in note for note in impact.assumptions),
        "assumptions": list(impact.assumptions),
        "shape": shape(graph) if request.get("shape") else None,
        "profile": profile,
    }


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _profile_text(profiler: cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(14)
    stats.sort_stats("cumulative").print_stats(18)
    return out.getvalue()


def measure(request: dict[str, Any]) -> dict[str, Any]:
    """child(request) in a fresh interpreter under a memory cap, or why it failed; with the machine's
    1-minute load average when it started (other work on the machine slows every number)."""
    load = os.getloadavg()[0]
    result = {**request, **child_process.run("bench.propagation", request, CHILD_TIMEOUT, MEMORY_CAP)}
    result["load"] = load
    if "failed" not in result:
        brief = {
            k: v for k, v in result.items() if k not in ("profile", "shape", "assumptions", "below_zero")
        }
        print(json.dumps(brief), file=sys.stderr, flush=True)
    return result


def _sources_hash() -> str:
    """sha256 (12 hex digits) of preflight/propagation/*.py: which engine was measured."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((Path(__file__).resolve().parent.parent / "preflight" / "propagation").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _engine_version() -> str:
    """The commit, and a hash of the propagation sources measured (they change often)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "preflight/propagation"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "?", ""
    return f"commit {commit}{' + uncommitted changes' if dirty else ''}, sources sha256 {_sources_hash()}"


def _sweep_table(title: str, rows: list[dict[str, Any]]) -> list[str]:
    out = [
        f"## {title}",
        "",
        "| services | edges | trials | reached | simulate s | µs per reached service-trial "
        "| `ServiceGraph` s | peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        head = f"| {r['services']:,} | {r['edges']:,} | {r['trials']:,} "
        if "failed" in r:
            out.append(head + f"| - | failed: {r['failed']} | - | - | - |")
            continue
        unit = r["seconds"] / (r["reach"] + 1) / r["trials"] * 1e6
        mark = " (headline)" if r.get("headline") else ""
        out.append(
            head + f"| {r['reach'] + 1:,} | {r['seconds']:.2f}{mark} | {unit:.2f} | {r['construct_s']:.3f} "
            f"| {r['rss_mib']:,.0f} |"
        )
    return [*out, ""]


Sweep = tuple[str, list[dict[str, Any]]]


def render(command: str, headline: list[dict[str, Any]], sweeps: list[Sweep], elapsed: float) -> str:
    """The Markdown report."""
    first = next((r for r in headline if "failed" not in r), headline[0])
    s = first.get("shape") or {}
    out = [
        "# Failure propagation (stage 5) benchmark",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"numpy {np.__version__}. Engine: {_engine_version()}.",
        "",
        f"Command: `{command}` ({elapsed / 60:.1f} min in all).",
        "",
        "Every row is a fresh child process: it generates the graph (seeded, deterministic), builds the",
        "`ServiceGraph`, picks the leaf with the most transitive callers, injects the fault there and times",
        "`simulate(graph, [fault], slos=(), trials=..., seed=0)` end to end (propagation and the per-service",
        "`Impact`). Peak RSS is the child's `ru_maxrss` (interpreter, imports, graph and simulation);",
        f"each child runs under a {MEMORY_CAP / 2**30:.0f} GiB address-space cap.",
        "",
    ]
    if s:
        out += [
            f"Graph: {s['services']:,} services in tiers {' / '.join(t[0] for t in TIERS)} ({s['front_doors']} "
            f"front doors, {s['leaves']:,} leaves), {s['edges']:,} calls; {s['per_request_below_1']:.0%} of calls "
            f"< 1 per request, {s['per_request_1_to_5']:.0%} 1-5; {s['parallel']:,} parallel calls, "
            f"{s['timeouts']:,} with timeouts, {s['retries']:,} retried, {s['fallbacks']:,} with fallbacks; "
            f"{s['cycles']} cycles (largest {s['largest_cycle']} services); max fan-out {s['max_out_degree']}, "
            f"max fan-in {s['max_in_degree']}.",
            "",
        ]
    out += [
        f"## Headline: {first['services']:,} services, {first['edges']:,} edges, {first['trials']:,} trials "
        f"(best of {first['repeat']}; target < {TARGET_S:g} s)",
        "",
        "| fault | reached services | **simulate s** (best) | all runs s | generate s | `ServiceGraph` s "
        "| peak RSS MiB (graph built / end) | affected services | front doors affected "
        "| calls into the leaf per front-door request | front-door error after | front-door added p50 / p90 ms "
        "| services with added p90 < -p90 before | cycles not settled | load average at start |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in headline:
        if "failed" in r:
            out.append(f"| `{r['fault']}` | - | failed: {r['failed']} |" + " - |" * 12)
            continue
        runs = ", ".join(f"{t:.2f}" for t in r["times"])
        out.append(
            f"| `{r['fault_spec']}` | {r['reach'] + 1:,} | **{r['seconds']:.2f}** | {runs} | {r['generate_s']:.2f} "
            f"| {r['construct_s']:.3f} | {r['rss_graph_mib']:,.0f} / {r['rss_mib']:,.0f} | {r['affected']:,} "
            f"| {r['doors_affected']} / {r['doors']} | {r['door_calls_median']:.1f} | {r['door_error_median']:.3f} "
            f"| {r['door_added_p50_median']:,.0f} / {r['door_added_p90_median']:,.0f} | {len(r['below_zero'])} "
            f"| {r['unsettled']} | {r.get('load', float('nan')):.1f} |"
        )
    out += [
        "",
        "Front-door columns are medians over the front doors of each one's median over trials. Calls into the",
        "leaf: mean calls per front-door request that reach the faulty leaf (products of calls per request",
        "along every downward path).",
        "",
    ]
    for title, rows in sweeps:
        out += _sweep_table(title, rows)
    out += ["## Notes", "", *notes(headline, sweeps), ""]
    for r in headline:
        if r.get("profile"):
            out += [f"### cProfile of one more headline run, `{r['fault_spec']}`", "", "```"]
            out += [line.rstrip() for line in r["profile"].strip().splitlines()] + ["```", ""]
    return "\n".join(out)


def notes(headline: list[dict[str, Any]], sweeps: list[Sweep]) -> list[str]:
    """Findings computed from the measurements."""
    out = [
        f"- Sweeps: one run per point, fault `{HEADLINE_FAULTS[0]}` at the hottest leaf of each graph (a new",
        "  graph per service or edge count, same seed); a point equal to the headline reuses its best run.",
        "- µs per reached service-trial = simulate seconds / services the fault reaches / trials.",
    ]
    for r in headline:
        if "failed" in r:
            out.append(f"- `{r['fault']}`: failed ({r['failed']}).")
            continue
        verdict = "met" if r["seconds"] < TARGET_S else f"**missed by {r['seconds'] / TARGET_S:.1f}x**"
        out.append(
            f"- `{r['fault_spec']}`: {r['seconds']:.2f} s for {r['reach'] + 1:,} reached services: target "
            f"< {TARGET_S:g} s {verdict}; peak RSS {r['rss_mib']:,.0f} MiB."
        )
        if r["below_zero"]:
            worst = sorted(r["below_zero"], key=lambda row: row[2] / row[1])[:3]
            example = ", ".join(f"{n} (p90 {p:g} ms, added {a:,.0f} ms)" for n, p, a in worst)
            out.append(
                f"  {len(r['below_zero'])} services have a median added p90 below minus their p90 before, "
                f"i.e. a negative latency after (worst: {example})."
            )
        for note in r["assumptions"]:
            out.append(f"  Engine assumption: {note}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure the headline (and the sweeps unless --quick), write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the headline only, no sweeps")
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--edges", type=int, default=20_000)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="headline runs per fault (the best is reported)"
    )
    parser.add_argument("--no-profile", action="store_true", help="no cProfile run when the target is missed")
    parser.add_argument("--output", type=Path, default=Path("bench/results/propagation.md"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    began = time.perf_counter()
    base = {"services": args.services, "edges": args.edges, "trials": args.trials}
    profile = not args.no_profile
    headline = [
        measure({**base, "fault": fault, "repeat": args.repeat, "shape": True, "profile": profile})
        for fault in HEADLINE_FAULTS
    ]
    sweeps: list[Sweep] = []
    if not args.quick:
        reuse = {**headline[0], "headline": True}

        def point(**change: int) -> dict[str, Any]:
            request = {**base, **change}
            if request == base and "failed" not in reuse:
                return reuse
            return measure({**request, "fault": HEADLINE_FAULTS[0], "repeat": 1})

        sweeps = [
            (
                f"Services ({EDGES_PER_SERVICE} edges per service, {args.trials:,} trials)",
                [point(services=n, edges=n * EDGES_PER_SERVICE) for n in SERVICE_SWEEP],
            ),
            (
                f"Edges ({args.services:,} services, {args.trials:,} trials)",
                [point(edges=m) for m in EDGE_SWEEP],
            ),
            (
                f"Trials ({args.services:,} services, {args.edges:,} edges)",
                [point(trials=t) for t in TRIAL_SWEEP],
            ),
        ]
    command = " ".join(["python -m bench.propagation", *(sys.argv[1:] if argv is None else argv)])
    report = render(command, headline, sweeps, time.perf_counter() - began)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(report)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

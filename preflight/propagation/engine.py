"""Propagate injected faults to callers, vectorized over scenarios and their requests.

Only the faulty services and their transitive callers can change, so only they get rows,
numbered callees first (networkx condensation): each step is a contiguous block of rows
whose callees are all computed before it, except inside a cycle, which is iterated to a
fixed point. A step is a few sparse products for its plain calls plus one batch for its
calls with a timeout, retries or parallel fan-out (`calls.py`).

Trials are scenarios of requests (`sampling.py`): errors are shares per scenario, latency
is per request. Rules, per call from caller u to callee v made n times per request of u:
- errors: a call fails with v's added error probability; retries r make it fail
  with p^(r+1) and multiply the load on v by 1+p+...+p^r; a fallback absorbs the
  failure; a wrong return value is never absorbed. u's requests fail with
  1 - prod(1 - p_call)^n.
- latency: each request of u adds what its calls to v added, request by request: below one
  call per request, only the requests that make the call (a share n of them) get one of
  v's requests' added time; at n >= 1, n calls' sum, with their mean and spread (n times
  the mean, sqrt(n) times the deviation). A timeout caps a call and turns the calls beyond
  it into failures (lognormal call latency through the edge's p50/p90); retried calls add
  their own time. Parallel calls take the slowest branch (see `calls.py`). So a fault in a
  rarely made call moves only the requests that make it, and the percentiles of u come out
  of its requests: its own latency before (the lognormal through its p50 and p90) plus
  what was added.
- cycles: iterated member by member (Gauss-Seidel) until nothing moves; a call inside a
  cycle adds n times the callee's mean added time (a request-level mixture around a cycle
  need not settle); below one call per request around the cycle this settles, except in
  scenarios where a timeout inside the cycle switches on and off (those are counted and said).
- fail fast: a request of u that fails stops early, half-way (ABORT_FRACTION of its
  latency), so u can get faster while its errors rise.
- CPU: demand per request grows by share*(ratio-1); with utilization rho the
  M/M/1 response time scales by (1-rho)/(1-rho'), and beyond SATURATION the
  demand above capacity fails; services sharing its host slow as the host's queue grows
  (`hosts.py`). A service whose utilization is known and whose load retries change is run
  once more with that load (its queue grows with it).
- groups (a service split into route nodes, `routes.py`): the service's row is the mixture
  of its routes' requests; latency SLO thresholds are counted over the requests (State.below).

The plan of steps and their arrays are built once (`steps.py`) and run per chunk of scenarios
(`chunk.py`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from preflight.propagation import hosts, sampling
from preflight.propagation.chunk import ABORT_FRACTION, CYCLE_ITERATIONS, Chunk, State, queue_growth
from preflight.propagation.faults import Fault
from preflight.propagation.graph import ServiceGraph
from preflight.propagation.local_faults import SATURATION, UTILIZATION_PRIOR, OwnFaults
from preflight.propagation.sampling import QUANTILES, Draws
from preflight.propagation.steps import Steps, plan

__all__ = ["ABORT_FRACTION", "QUANTILES", "SATURATION", "UTILIZATION_PRIOR", "State", "propagate"]

CHUNK_TRIALS = 5_000
QUEUE_TOLERANCE = 0.01
"""A second pass only when a queue simulated with the load its errors imply is more than 1% off the
one the callers' retries made (a timeout on a retried call can add failures)."""


def propagate(
    graph: ServiceGraph,
    faults: list[Fault],
    trials: int,
    seed: int = 0,
    groups: Mapping[str, tuple[tuple[str, float], ...]] | None = None,
    thresholds: Mapping[str, Sequence[float]] | None = None,
) -> State:
    """The added errors and latency of every service the faults reach, per scenario.

    groups: name -> nodes of the graph and their shares of its requests (a service split into
    route nodes): a group some of whose nodes the faults reach gets a row of its own, the
    mixture of its nodes' requests (latency) and their share-weighted errors and load.
    thresholds: name -> latency thresholds (ms) whose share of requests under them is counted
    (State.below), for latency SLOs.

    Scenarios are independent, so they run in chunks of about CHUNK_TRIALS trials on a thread
    each (numpy releases the GIL in its loops). The chunks do not depend on the number of
    cores, so the same seed gives the same numbers on every machine.
    """
    rng = np.random.default_rng(seed)
    owners = {node: name for name, members in (groups or {}).items() for node, _ in members}
    near = hosts.neighbours(graph.services(), [f.service for f in faults if f.kind == "cpu"], owners)
    uncertain = any(
        f.low != f.high or (f.kind == "cpu" and graph.service(f.service).utilization is None) for f in faults
    ) or any(s.utilization is None and s.hosts for s in graph.services() if near)
    shape = sampling.layout(trials, uncertain)
    steps = plan(graph, [f.service for f in faults] + [n.node for n in near], groups or {})
    names = [name for _, group in steps for name in group]
    rows = {name: i for i, name in enumerate(names)}
    mixed = {
        name: tuple((rows[node], share) for node, share in members)
        for name, members in (groups or {}).items()
        if any(node in rows for node, _ in members)
    }
    nodes = len(names)
    names += list(mixed)
    size, scenarios = len(names), shape.scenarios
    state = State(
        names,
        shape,
        np.zeros((size, scenarios)),
        np.zeros((size, scenarios)),
        {q: np.zeros((size, scenarios)) for q in QUANTILES},
        np.zeros((size, scenarios)),
        np.ones((size, scenarios)),
    )
    orders = Draws([graph.service(name) for name in names[:nodes]], rng, shape)
    own = OwnFaults(
        graph, faults, rows, rng, shape, orders.base, orders.pool, state.assumptions, near, owners
    )
    engine = Steps(graph, rows, steps, own, orders, state.assumptions)
    engine.mixed = {nodes + i: members for i, members in enumerate(mixed.values())}
    for name, limits in (thresholds or {}).items():
        if name in state.rows:
            for limit in limits:
                state.below[(name, limit)] = np.zeros(scenarios)
    per = max(1, CHUNK_TRIALS // shape.requests)
    chunks = [Chunk(engine, state, own, slice(at, at + per)) for at in range(0, scenarios, per)]
    _each(chunks, lambda chunk: chunk.run(None))
    loaded = [row for row in own.cpu if bool((state.load[row] > 1 + 1e-9).any())]
    queued = [row for row in engine.queued if bool((np.abs(state.load[row] - 1) > 1e-9).any())]
    missed = [
        row
        for row in engine.queued
        if (rho := engine.utilization[row]) > 0
        and any(
            bool(
                (
                    np.abs(queue_growth(rho, chunk.state.load[row]) / queue_growth(rho, chunk.used[row]) - 1)
                    > QUEUE_TOLERANCE
                ).any()
            )
            for chunk in chunks
        )
    ]
    if loaded or missed:
        # the loads simulated with were not those the callers' retries made: once more with them
        load = state.load.copy()
        _each(chunks, lambda chunk: chunk.run(load[:, chunk.scenarios]))
        state.load[:] = load
        if loaded:
            state.assumptions.append(
                "retries raise the load on a CPU-bound faulty service: simulated with it"
            )
    if queued:
        listed = ", ".join(names[row] for row in queued[:5]) + (", ..." if len(queued) > 5 else "")
        state.assumptions.append(
            f"the load on {len(queued)} service(s) changes (retries: {listed}): their queues grow with "
            "it (M/M/1 at their utilization)"
        )
    _each(chunks, lambda chunk: chunk.finish())
    for row, members in engine.mixed.items():
        for name in ("error", "wrong", "load", "network"):
            values = getattr(state, name)
            values[row] = sum(share * values[member] for member, share in members)
    unsettled: dict[str, int] = {}
    for chunk in chunks:
        for cycle, count in chunk.unsettled.items():
            unsettled[cycle] = unsettled.get(cycle, 0) + count
    for cycle, count in unsettled.items():
        state.assumptions.append(
            f"the cycle {cycle} did not settle in {CYCLE_ITERATIONS} rounds in {count:,} of {scenarios:,} "
            "scenarios (calls around it reach one per request or more, or timeouts inside it switch on "
            "and off): their numbers are those of the last round"
        )
    return state


def _each(chunks: list[Chunk], work: Callable[[Chunk], None]) -> None:
    workers = min(len(chunks), os.cpu_count() or 1)
    if workers == 1:
        for chunk in chunks:
            work(chunk)
        return
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, chunks))

"""`preflight simulate`: what-if propagation of injected faults, without a diff."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from preflight import config
from preflight.errors import InputError
from preflight.models import Impact, SloStatus
from preflight.report import document, text

if TYPE_CHECKING:
    from preflight.exposure.prepared import Prepared
    from preflight.propagation import Fault


def run(
    injections: tuple[str, ...],
    snapshot_dir: Path | None,
    graph_file: Path | None,
    config_file: Path | None,
    trials: int,
    seed: int,
    fmt: str,
    out: TextIO,
    cache_dir: Path | None = None,
) -> int:
    """Build the service graph, inject the faults, print every service's and SLO's prediction.

    cache_dir: where the snapshot's prepared form is cached (None: not cached)."""
    from preflight import propagation
    from preflight.exposure import cache

    if not injections:
        raise InputError("nothing to simulate: pass at least one --inject SERVICE[:FUNCTION]:KIND=VALUE")
    if snapshot_dir is None and graph_file is None:
        raise InputError(
            "no service graph: pass --snapshot DIR (from `preflight collect`) or --graph FILE.csv"
        )
    faults = [propagation.parse(spec) for spec in injections]
    settings = _settings(config_file)
    snap = cache.load(snapshot_dir, cache_dir) if snapshot_dir is not None else None
    impact = predict(faults, snap, graph_file, settings, trials, seed)
    out.write(render(impact, seed, fmt))
    return 0


def predict(
    faults: list[Fault],
    snap: Prepared | None,
    graph_file: Path | None,
    settings: config.Config,
    trials: int,
    seed: int,
) -> Impact:
    """Every service's and SLO's prediction with the faults injected: on the snapshot's service
    graph (or graph_file's), with the config's declared calls; a fault at a function is weighted
    by the share of its service's requests that run it."""
    from preflight import propagation

    slos: tuple[SloStatus, ...] = snap.measured().slos if snap is not None else ()
    if graph_file is not None:
        graph = propagation.read_csv(graph_file)
    else:
        assert snap is not None  # one of the two is required
        graph = propagation.from_services(snap.measured())
    graph = graph.with_config(settings)
    from preflight.propagation import magnitudes

    # which magnitudes were given, measured (filled in from the snapshot) or assumed: said first
    notes = magnitudes.provenance(faults, graph)
    faults, measured = magnitudes.resolve(faults, graph)
    for i, fault in enumerate(faults):
        if fault.function is None:
            continue
        share = None if snap is None else snap.runs_per_request(fault.service, fault.function)
        if share is None:
            raise InputError(
                f"--inject {fault.spec!r}: the share of {fault.service}'s requests that run "
                f"{fault.function} is unknown; it needs a --snapshot with that function's calls and the "
                "service's endpoints, or inject at the whole service (SERVICE:KIND=VALUE)"
            )
        # the routes that run it, each with its own share (a fault reaches only those)
        routes = () if snap is None else snap.runs_per_route(fault.service, fault.function)
        faults[i] = replace(fault.with_share(share), routes=routes)
    impact = propagation.simulate(graph, faults, slos, trials=trials, seed=seed)
    return replace(impact, assumptions=(*measured, *notes, *impact.assumptions))


def render(impact: Impact, seed: int, fmt: str) -> str:
    if fmt == "json":
        return document.dumps(
            {"schema_version": document.SCHEMA_VERSION, "seed": seed, **document.impact_fields(impact)}
        )
    return text.impact_text(impact)


def _settings(config_file: Path | None) -> config.Config:
    """--config, else `.preflight.yml` in the current directory when there is one."""
    if config_file is not None:
        return config.load_file(config_file)
    default = Path(config.CONFIG_FILE)
    return config.load_file(default) if default.is_file() else config.Config()

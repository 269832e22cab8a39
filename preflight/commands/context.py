"""`preflight context PATH::QUALNAME`: what production does with one function."""

from __future__ import annotations

import datetime
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from preflight.changes import definitions, sources
from preflight.errors import InputError
from preflight.models import ChangeKind, ChangeSet, Exposure, FunctionChange, LineSpan, RevisionRange
from preflight.report import document, escaping

if TYPE_CHECKING:
    from preflight.exposure.prepared import Prepared


def run(
    spec: str,
    snapshot_dir: Path,
    repo_dir: Path,
    fmt: str,
    out: TextIO,
    now: datetime.datetime | None = None,
    cache_dir: Path | None = None,
) -> int:
    """Print everything the snapshot knows about the function; unknown is said, never zero.

    cache_dir: where the snapshot's prepared form is cached (None: not cached)."""
    from preflight.exposure import cache

    change = locate(spec, repo_dir)
    snap = cache.load(snapshot_dir, cache_dir)
    doc = context_document(expose(snap, change, str(snapshot_dir), now or _now()), snap)
    out.write(document.dumps(doc) if fmt == "json" else _text(doc))
    return 0


def expose(snap: Prepared, change: FunctionChange, location: str, now: datetime.datetime) -> Exposure:
    """The function joined to what the snapshot knows about it."""
    revisions = RevisionRange("", "", None, "", None, "context")
    return snap.join(ChangeSet(revisions, (), (change,)), location, now)


def context_document(exposure: Exposure, snap: Prepared) -> dict[str, Any]:
    """The `context --format json` document of the exposure's one function."""
    item = exposure.functions[0]
    change = item.change
    return {
        "schema_version": document.SCHEMA_VERSION,
        "path": change.path,
        "qualname": change.qualname,
        "lines": {"start": change.new_lines.start, "end": change.new_lines.end} if change.new_lines else None,
        "known": item.calls_per_min is not None or item.source is not None,
        **document.exposure_fields(item),
        "calls_made": calls_made(snap, item.service, change.qualname),
        "snapshot": document.runtime_fields(exposure.runtime),
    }


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def locate(spec: str, repo_dir: Path) -> FunctionChange:
    """The function named by PATH::QUALNAME (QUALNAME local like Class.method, or with its module)."""
    path, name = split(spec)
    file = repo_dir / path
    try:
        data = file.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror}); give a path relative to --repo") from e
    return definition(path, name, data)


def split(spec: str) -> tuple[str, str]:
    """(PATH, QUALNAME) of PATH::QUALNAME; InputError with an example for anything else."""
    path, sep, name = spec.partition("::")
    if not sep or not path or not name:
        raise InputError(f"{spec!r}: expected PATH::QUALNAME, e.g. src/shop/cart.py::Cart.add")
    return path, name


def definition(path: str, name: str, data: bytes) -> FunctionChange:
    """The function name (local, or with its module) in the file path holding data."""
    module = sources.module_name(path)
    local = name[len(module) + 1 :] if name.startswith(module + ".") else name
    try:
        text = sources.decode(data)
    except ValueError as e:
        raise InputError(f"{path}: cannot decode it ({e})") from e
    found = definitions.parse(text.encode("utf-8", "surrogatepass")).definitions
    if local not in found:
        close = sorted(k for k in found if k.rsplit(".", 1)[-1] == local.rsplit(".", 1)[-1])
        hint = f"; did you mean {', '.join(close)}" if close else f"; it defines {len(found)} functions"
        raise InputError(f"{path}: no function {local!r}{hint}")
    span = found[local].span
    qualname = f"{module}.{local}"
    return FunctionChange(
        path, path, qualname, qualname, ChangeKind.MODIFIED, (), span, LineSpan(span.start, span.end), 0, 0
    )


def calls_made(snap: Prepared, service: str | None, qualname: str) -> list[dict[str, Any]]:
    """Service calls this function makes (edges whose caller function it is)."""
    if service is None:
        return []
    return [asdict(call) for call in snap.calls_made.get((service, qualname), ())]


def _text(doc: dict[str, Any]) -> str:
    t = escaping.terminal
    lines = [f"{t(doc['qualname'])}  ({t(doc['path'])})"]
    if not doc["known"]:
        lines.append("no runtime data for this function in the snapshot: traffic unknown (not zero)")
    else:
        share = doc["share_of_service"]
        lines.append(
            f"service {t(doc['service'] or 'unknown')}: {_num(doc['calls_per_min'])} calls/min"
            f"{f' ({share:.1%} of its requests)' if share is not None else ''}, p50 {_num(doc['p50_ms'])} ms, "
            f"p99 {_num(doc['p99_ms'])} ms, errors {_pct(doc['error_rate'])} (from {doc['source']})"
        )
    for route in doc["endpoints"]:
        lines.append(f"  reached from {t(route)}")
    for slo in doc["slos"]:
        budget = _pct(slo["budget_remaining"])
        lines.append(
            f"  SLO {t(slo['name'])}: {slo['indicator']} {_pct(slo['objective'])}, budget left {budget} ({slo['budget_source']})"
        )
    for call in doc["calls_made"]:
        lines.append(f"  calls {t(call['callee_service'])}: {_num(call['calls_per_min'])}/min")
    snap = doc["snapshot"]
    lines.append(
        f"snapshot {snap['location']}: window {snap['window_start']} .. {snap['window_end']}, age {snap['age_hours']} h"
    )
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.1f}"


def _pct(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.2%}"

"""Rebuild a CheckResult from a `check --format json` document, so it can be rendered again.

The inverse of preflight.report.document.check_document. `preflight publish` uses it: the
artifact it posts was made by a pull request's own run, so it re-renders the comment from
the validated JSON with the same escaping `check` uses, instead of posting text the run wrote.
Only values the schema checked reach here; the few the Markdown template prints without its
escaping filter (the base's source word) are held to a fixed vocabulary as well.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, TypeVar

from preflight.models import (
    Aspect,
    ChangeKind,
    ChangeSet,
    CheckResult,
    Decision,
    Driver,
    Estimate,
    Exposure,
    Factor,
    FileChange,
    FunctionChange,
    FunctionExposure,
    Impact,
    InferredTraffic,
    Likelihood,
    LineSpan,
    ReachRoute,
    RevisionRange,
    Risk,
    RuntimeInfo,
    RuntimeStats,
    ServiceImpact,
    SloImpact,
    SloStatus,
)
from preflight.report import document, validation

BASE_SOURCES = frozenset(
    {"explicit", "default-branch", "github-event", "github-base-ref", "pre-push", "first-parent"}
)
"""How preflight names where the base came from; the template prints this word as it is."""
MAX_BYTES = 20_000_000
"""A report of 50,000 changed functions is about 10 MB; anything larger is not one of ours."""


def loads(text: str, source: str) -> CheckResult:
    """Parse, validate and rebuild one check document; ValueError names source and the problem."""
    if len(text) > MAX_BYTES:
        raise ValueError(f"{source}: {len(text):,} characters, more than a check report can be")
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except _Constant as e:
        raise ValueError(f"{source}: {e}") from None
    except RecursionError:
        raise ValueError(f"{source}: JSON nested too deeply to be a check report") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{source}: not one JSON document ({e})") from e
    try:
        validation.validate(doc, document.schema())
    except validation.SchemaMismatch as e:
        raise ValueError(f"{source}: not a valid check report: {e}") from e
    if doc["base_source"] not in BASE_SOURCES:
        raise ValueError(f"{source}: base_source {doc['base_source'][:40]!r} is not one preflight writes")
    if doc["decision"]["passed"] != (doc["decision"]["verdict"] != "fail"):
        raise ValueError(f"{source}: decision.passed contradicts decision.verdict")
    for index, fault in enumerate(doc["impact"]["faults"] if doc["impact"] else ()):
        if ":" not in fault.partition("=")[0]:  # the blast-radius diagram reads the service from it
            raise ValueError(
                f"{source}: impact.faults[{index}] {fault[:40]!r} is not SERVICE[:FUNCTION]:KIND=VALUE"
            )
    return result(doc)


class _Constant(ValueError):
    """NaN or Infinity in a document: JavaScript, not JSON."""


def _refuse_constant(name: str) -> object:
    raise _Constant(f"{name} is not JSON")


def result(doc: dict[str, Any]) -> CheckResult:
    """The CheckResult a schema-valid check document describes."""
    revisions = RevisionRange(
        base=doc["base_ref"],
        head=doc["head_ref"],
        base_sha=doc["base"],
        head_sha=doc["head"],
        merge_base=doc["merge_base"],
        source=doc["base_source"],
    )
    changes = ChangeSet(
        revisions=revisions,
        files=tuple(_build(FileChange, f, {}) for f in doc["files"]),
        functions=tuple(_change(f) for f in doc["functions"]),
        warnings=tuple(doc["warnings"]),
    )
    risk = doc["risk"]
    decision = doc["decision"]
    return CheckResult(
        changes=changes,
        exposure=Exposure(
            functions=tuple(_exposure(f) for f in doc["functions"]),
            source=doc["runtime_source"],
            runtime=None if doc["runtime"] is None else RuntimeInfo(**doc["runtime"]),
            callers_left_out=doc["left_out"]["callers"],
            entry_points_left_out=doc["left_out"]["entry_points"],
            call_graph=doc.get("call_graph"),
        ),
        risk=Risk(
            score=risk["score"],
            level=risk["level"],
            factors=tuple(Factor(**f) for f in risk["factors"]),
            unknowns=tuple(risk["unknowns"]),
            confidence=risk["confidence"],
            lower_it=tuple(risk["lower_it"]),
        ),
        decision=Decision(
            threshold=decision["threshold"],
            reason=decision["reason"],
            verdict=decision["verdict"],
            warn_above=decision["warn_above"],
            mode=decision["mode"],
            override=decision["override"],
            notes=tuple(decision["notes"]),
        ),
        impact=None if doc["impact"] is None else _impact(doc["impact"]),
        likelihood=_likelihood(risk["likelihood"]),
    )


def _span(value: dict[str, int] | None) -> LineSpan | None:
    return None if value is None else LineSpan(value["start"], value["end"])


def _change(f: dict[str, Any]) -> FunctionChange:
    breaks = f["signature_break"]
    converted = {
        "kind": ChangeKind(f["kind"]),
        "aspects": tuple(Aspect(a) for a in f["aspects"]),
        "new_lines": _span(f["new_lines"]),
        "old_lines": _span(f["old_lines"]),
        "signature_break": None if breaks is None else tuple(breaks),
    }
    return _build(FunctionChange, f, converted)


_T = TypeVar("_T")


def _build(cls: type[_T], values: dict[str, Any], converted: dict[str, Any]) -> _T:
    """cls from the document's fields of the same names (lists as tuples); a field the document
    does not have keeps its default, so a newer model still reads an older document."""
    known = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs = {
        name: converted[name] if name in converted else tuple(value) if isinstance(value, list) else value
        for name, value in values.items()
        if name in known
    }
    return cls(**kwargs)


def _exposure(f: dict[str, Any]) -> FunctionExposure:
    inferred = f["inferred"]
    return FunctionExposure(
        change=_change(f),
        runtime=RuntimeStats(
            calls_per_min=f["calls_per_min"],
            service=f["service"],
            services=tuple(f["services"]),
            share_of_service=f["share_of_service"],
            p50_ms=f["p50_ms"],
            p99_ms=f["p99_ms"],
            error_rate=f["error_rate"],
            endpoints=tuple(f["endpoints"]),
            slos=tuple(SloStatus(**s) for s in f["slos"]),
            source=f["source"],
        ),
        routes=tuple(ReachRoute(r["entry"], r["label"], tuple(r["path"])) for r in f["reached_from"]),
        inferred=None
        if inferred is None
        else InferredTraffic(
            calls_per_min=inferred["calls_per_min"],
            confidence=inferred["confidence"],
            callers=tuple((c["qualname"], c["calls_per_min"]) for c in inferred["callers"]),
            unknown_callers=inferred["unknown_callers"],
            service=inferred["service"],
        ),
        callers=f["callers"],
        production=f["production"],
        callers_left_out=f["callers_left_out"],
        callers_updated=f["callers_updated"],
    )


def _likelihood(value: dict[str, Any] | None) -> Likelihood | None:
    if value is None:
        return None
    return Likelihood(
        probability=value["probability"],
        base_rate=value["base_rate"],
        source=value["source"],
        drivers=tuple(Driver(**d) for d in value["drivers"]),
        if_split=value["if_split"],
        history_commits=value["history_commits"],
        notes=tuple(value["notes"]),
    )


def _number(value: float | None) -> float:
    """The document writes a value that was not a finite number as null."""
    return math.nan if value is None else value


def _estimate(value: dict[str, float | None] | None) -> Estimate | None:
    if value is None:
        return None
    return Estimate(_number(value["median"]), _number(value["low"]), _number(value["high"]))


def _required(value: dict[str, float | None] | None) -> Estimate:
    return _estimate(value) or Estimate(math.nan, math.nan, math.nan)


def _impact(value: dict[str, Any]) -> Impact:
    return Impact(
        faults=tuple(value["faults"]),
        trials=value["trials"],
        services=tuple(_service(s) for s in value["services"]),
        slos=tuple(_slo(s) for s in value["slos"]),
        assumptions=tuple(value["assumptions"]),
    )


def _service(s: dict[str, Any]) -> ServiceImpact:
    return ServiceImpact(
        service=s["service"],
        p50_ms_before=s["p50_ms"]["before"],
        p90_ms_before=s["p90_ms"]["before"],
        p50_ms_after=_estimate(s["p50_ms"]["after"]),
        p90_ms_after=_estimate(s["p90_ms"]["after"]),
        added_p90_ms=_required(s["added_p90_ms"]),
        error_rate_before=_number(s["error_rate"]["before"]),
        error_rate_after=_required(s["error_rate"]["after"]),
        load_factor=_required(s["load_factor"]),
        affected_probability=s["affected_probability"],
        affected=s["affected"],
        front_door=s["front_door"],
        path=tuple(s["path"]),
    )


def _slo(s: dict[str, Any]) -> SloImpact:
    return SloImpact(
        name=s["name"],
        service=s["service"],
        indicator=s["indicator"],
        objective=s["objective"],
        sli_before=s["sli"]["before"],
        sli_after=_estimate(s["sli"]["after"]),
        burn_rate=_estimate(s["burn_rate"]),
        budget_remaining=s["budget_remaining"],
        hours_to_exhaust=_estimate(s["hours_to_exhaust"]),
        breach_probability=s["breach_probability"],
        breach_before=s["breach_before"],
        critical_path=tuple(s["critical_path"]),
        notes=tuple(s["notes"]),
    )

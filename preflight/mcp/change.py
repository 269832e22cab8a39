"""assess_change: the whole check of the work tree against a base, as `preflight check --worktree`
runs it (the same stages, the same numbers), answered in a form an agent can act on."""

from __future__ import annotations

from typing import Any

from preflight import event, pipeline
from preflight.changes.revisions import resolve_worktree
from preflight.mcp import summaries
from preflight.mcp.session import Session
from preflight.report import document


def assess(session: Session, base: str | None = None) -> dict[str, Any]:
    """The work tree (staged, unstaged and untracked edits) against base (default: the merge base
    with the default branch): score, level, confidence, verdict, factors, blast radius, SLOs at
    risk and what would lower it."""
    revisions = resolve_worktree(session.repo, base, session.environ)
    options = pipeline.Options(
        snapshot=session.snapshot_dir, config_file=session.config_file, repo_dir=session.repo_dir
    )
    runtime = session.snapshot().runtime if session.snapshot_dir is not None else None
    found = event.read(session.environ)
    stages = pipeline.prepare(
        session.repo, (revisions,), options, session.environ, found, runtime, session.code_index
    )
    doc = document.check_document(pipeline.check(stages, revisions, session.now()))
    risk, decision, impact = doc["risk"], doc["decision"], doc["impact"]
    answer = {
        "base": {
            "ref": doc["base_ref"],
            "commit": doc["base"],
            "merge_base": doc["merge_base"],
            "source": doc["base_source"],
        },
        "head": {"commit": doc["head"], "worktree": True},
        "score": risk["score"],
        "level": risk["level"],
        "confidence": risk["confidence"],
        "verdict": decision["verdict"],
        "passed": decision["passed"],
        "threshold": decision["threshold"],
        "mode": decision["mode"],
        "reason": decision["reason"],
        "factors": risk["factors"],
        "changed_files": len(doc["files"]),
        "unparsed_files": [f["path"] for f in doc["files"] if f["unparsed"] is not None],
        "functions": [_function(f) for f in doc["functions"]],
        "blast_radius": [s for s in impact["services"] if s["affected"]] if impact else [],
        "slos_at_risk": [s for s in impact["slos"] if _burns(s)] if impact else [],
        "lower_it": risk["lower_it"],
        "unknowns": risk["unknowns"],
        "gate_notes": decision["notes"],
        "warnings": doc["warnings"],
        "snapshot": doc["runtime"],
    }
    return {"summary": summaries.text(_sentences(answer)), **answer}


def _function(f: dict[str, Any]) -> dict[str, Any]:
    """A changed function, with what production does with it, in a few fields."""
    inferred = f["inferred"]
    return {
        "qualname": f["qualname"],
        "path": f["path"],
        "kind": f["kind"],
        "scope": f["scope"],
        "lines": f["new_lines"] or f["old_lines"],
        "signature_break": f["signature_break"],
        "production": f["production"],
        "service": f["service"] or (inferred["service"] if inferred else None),
        "calls_per_min": f["calls_per_min"],
        "inferred_calls_per_min": inferred["calls_per_min"] if inferred else None,
        "callers": f["callers"],
        "entry_points": [route["label"] for route in f["reached_from"]],
        "slos": [slo["name"] for slo in f["slos"]],
    }


def _burns(slo: dict[str, Any]) -> bool:
    """An SLO the change may burn faster than budgeted (SloImpact.burns, on the document's numbers)."""
    burn = slo["burn_rate"]
    if burn is None:
        return False
    worst = (slo["breach_probability"] or 0) > 0 and (burn["high"] or 0) > 1
    return (burn["median"] or 0) > 1 or worst


def _sentences(answer: dict[str, Any]) -> list[str | None]:
    n = summaries.name
    base = answer["base"]
    against = (
        f"The work tree against {n(base['ref'])} (merge base {(base['merge_base'] or 'the empty tree')[:12]})"
    )
    if not answer["changed_files"]:
        return [f"{against} has no changes: nothing to assess", summaries.freshness(answer["snapshot"])]
    gate = f"{answer['verdict']} ({answer['mode']}" + (
        f", fails above {answer['threshold']})" if answer["threshold"] is not None else ")"
    )
    first = (
        f"{against}: risk {answer['score']}/100, {answer['level']}, confidence {answer['confidence']}; "
        f"the gate says {gate}"
    )
    behavioural = [f for f in answer["functions"] if f["kind"] not in ("cosmetic", "renamed")]
    bodies = sum(f["scope"] != "function" for f in behavioural)
    busiest = max(
        (f for f in behavioural if (f["calls_per_min"] or f["inferred_calls_per_min"]) is not None),
        key=lambda f: f["calls_per_min"] or f["inferred_calls_per_min"] or 0,
        default=None,
    )
    defs, files = len(behavioural) - bodies, answer["changed_files"]
    what = f"{defs} function{'s' * (defs != 1)}" + (
        f" and {bodies} module or class bod{'ies' if bodies != 1 else 'y'}" if bodies else ""
    )
    what += f" changed in behaviour in {files} file{'s' * (files != 1)}"
    if busiest is not None:
        measured = busiest["calls_per_min"] is not None
        calls = busiest["calls_per_min"] if measured else busiest["inferred_calls_per_min"]
        what += (
            f"; the busiest, {n(busiest['qualname'])}, runs {'' if measured else 'about '}"
            f"{summaries.rate(calls)} times a minute{'' if measured else ' (inferred from its callers)'}"
            + (f" in {n(busiest['service'])}" if busiest["service"] else "")
        )
    slos = [f"{n(s['name'])} ({summaries.breach(s)})" for s in answer["slos_at_risk"]]
    reach = [n(s["service"]) for s in answer["blast_radius"]]
    if slos:
        blast = (
            f"A fault in it would reach {summaries.listing(reach)}; SLOs at risk: {summaries.listing(slos)}"
        )
    elif reach:
        blast = f"A fault in it would reach {summaries.listing(reach)}, with no SLO predicted to burn"
    else:
        blast = "No service or SLO is predicted to be affected (or the runtime data cannot say)"
    top = max(answer["factors"], key=lambda f: abs(f["points"]), default=None)
    factor = (
        f"Main factor: {n(top['name'])} ({top['points']:+.0f} points): {n(top['detail'])}" if top else None
    )
    data = summaries.freshness(answer["snapshot"])
    unknowns = answer["unknowns"]
    if unknowns:
        more = f" (and {len(unknowns) - 1} more)" if len(unknowns) > 1 else ""
        data += f"; unknown: {n(unknowns[0])}{more}"
    lower = f"To lower it: {n(answer['lower_it'][0])}" if answer["lower_it"] else None
    return [first, what, blast, factor, data, lower]

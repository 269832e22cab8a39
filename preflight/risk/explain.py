"""What a score does not know (and how that lowers confidence), and what would lower it.

Confidence starts high; each unknown caps it and says so:
- a changed production Python file that could not be parsed fully: low, said first (it is
  the headline's Unknown line), since its changes are unknown;
- no runtime data at all for changed behaviour: low;
- changed functions without measured traffic: low when more than half, medium when more
  than a tenth (inferred traffic counts as unmeasured); said in one line, not one per function
  (the JSON has each function's data);
- a snapshot older than STALE_HOURS, or one whose runtime functions matched the code for
  less than MIN_RESOLUTION of them: medium;
- no history features, or fewer than SHORT_HISTORY commits before the change: medium.

What would lower the score is computed, not guessed: each suggestion is the same score
function run on the changed input (a flag or canary exposing CANARY of the traffic, the old
signature kept, the change split in two halves), and shown only when it saves WORTH_SAYING
points. Advice that would not lower the score (add tests: the history model gives tests no
discount, because in real history changed tests track size) is not given.
"""

from __future__ import annotations

from collections.abc import Sequence

from preflight.models import Confidence, Exposure, FileChange, FunctionExposure, Impact, Likelihood
from preflight.risk.impact import (
    at_risk,
    hottest,
    needs_traffic,
    reasons,
    short,
    signature_breaks,
    unparsed_detail,
)
from preflight.risk.scoring import score

STALE_HOURS = 7 * 24.0
MIN_RESOLUTION = 0.8
SHORT_HISTORY = 50
CANARY = 0.05
RUNTIME_HELP = "see `preflight collect --help` and docs/snapshots/index.md in preflight's repository"
"""Where a reviewer learns to give preflight runtime data."""
WORTH_SAYING = 3
"""Points a suggestion must save to be shown."""
_ORDER: dict[Confidence, int] = {"high": 2, "medium": 1, "low": 0}


def _add_snapshot(absent: str | None) -> str:
    if absent is None:
        return f"add a snapshot ({RUNTIME_HELP})"
    return (
        f"the snapshot {absent} (runtime.snapshot in .preflight.yml) does not exist here: "
        f"build it with `preflight collect` ({RUNTIME_HELP})"
    )


def confidence(
    exposure: Exposure,
    behavioural: Sequence[FunctionExposure],
    likelihood: Likelihood | None,
    unparsed: Sequence[FileChange] = (),
) -> tuple[Confidence, tuple[str, ...]]:
    """(high, medium or low; the unknowns, each saying how it capped the confidence)."""
    caps: list[tuple[Confidence, str]] = []
    unknowns: list[str] = []
    if unparsed:  # first, before the history's notes: the headline shows the first unknown
        unknowns.append(f"{unparsed_detail(unparsed)}{_CAPPED}low)")
    # module-level changes that functions of their file read are measured through those readers
    behavioural = [f for f in behavioural if needs_traffic(f)]
    count = len(behavioural)
    measured = sum(f.calls_per_min is not None for f in behavioural)
    inferred = sum(f.calls_per_min is None and f.inferred is not None for f in behavioural)
    if behavioural and exposure.source is None:
        caps.append(
            (
                "low",
                f"no runtime data for {count:,} of {count:,} changed functions: traffic and blast radius "
                f"unknown; {_add_snapshot(exposure.absent)}",
            )
        )
    elif measured < count:
        share = measured / count
        level: Confidence = "low" if share < 0.5 else "medium" if share < 0.9 else "high"
        guessed = f" ({inferred:,} estimated from their callers)" if inferred else ""
        caps.append(
            (
                level,
                f"no runtime data for {count - measured:,} of {count:,} changed functions{guessed}: "
                "their traffic is unknown",
            )
        )
    runtime = exposure.runtime
    if runtime is not None and runtime.age_hours is not None and runtime.age_hours > STALE_HOURS:
        caps.append(
            (
                "medium",
                f"the runtime snapshot is {runtime.age_hours / 24:.0f} days old (stale after {STALE_HOURS / 24:.0f})",
            )
        )
    if (
        runtime is not None
        and runtime.resolution_rate is not None
        and runtime.resolution_rate < MIN_RESOLUTION
    ):
        caps.append(
            (
                "medium",
                f"only {runtime.resolution_rate:.0%} of the snapshot's functions matched the code: traffic may be missing",
            )
        )
    if likelihood is None:
        caps.append(("medium", "no git history features: the defect likelihood is assumed average"))
    elif likelihood.history_commits < SHORT_HISTORY:
        commits = likelihood.history_commits
        caps.append(("medium", f"only {commits} commit{'s' * (commits != 1)} of history before the change"))
    if likelihood is not None:
        unknowns += likelihood.notes
    found: Confidence = "low" if unparsed else "high"
    for cap, _ in caps:
        found = min(found, cap, key=_ORDER.__getitem__)
    unknowns += [f"{why}{_CAPPED}{cap})" if cap != "high" else why for cap, why in caps]
    return found, tuple(unknowns)


_CAPPED = " (confidence at most "


def cap_of(unknown: str) -> tuple[str, str] | None:
    """(why, the confidence it capped) of an unknown that `confidence` wrote; None for other notes."""
    why, found, cap = unknown.rpartition(_CAPPED)
    return (why, cap.rstrip(")")) if found and cap.endswith(")") else None


def lower_it(
    behavioural: Sequence[FunctionExposure],
    impact: Impact | None,
    likelihood: Likelihood | None,
    current: int,
    unparsed: Sequence[FileChange] = (),
) -> tuple[str, ...]:
    """Suggestions that would lower the score, each with the score it would have."""
    advice = []
    top = hottest(behavioural)
    exposed = score(behavioural, impact, likelihood, share=CANARY, unparsed=unparsed).score
    if current - exposed >= WORTH_SAYING:
        name = short(top[0].change.qualname) if top is not None else "the change"
        advice.append(
            f"ship {name} behind a feature flag or a {CANARY:.0%} canary: score {current} -> {exposed} "
            f"(a fault would reach {CANARY:.0%} of the traffic)"
        )
    breaks = signature_breaks(behavioural)
    if breaks:
        kept = score(behavioural, impact, likelihood, compatible=True, unparsed=unparsed).score
        widest = max(breaks, key=lambda f: f.callers or 0)
        if current - kept >= WORTH_SAYING:
            name, callers = short(widest.change.qualname), at_risk(widest.callers or 0)
            how = (
                f"keep the old signature of {name} working ({reasons(widest.change)}) for the {callers}, "
                "with a wrapper, defaults or **kwargs"
                if widest.change.signature_break
                else f"keep {name} as a wrapper for the {callers}"  # it was removed
            )
            advice.append(f"{how}: score {current} -> {kept}")
    if likelihood is not None and likelihood.if_split is not None:
        halves = score(
            behavioural, impact, likelihood, probability=likelihood.if_split, unparsed=unparsed
        ).score
        if current - halves >= WORTH_SAYING:
            advice.append(
                f"split the change in two: each half scores about {halves} (defect likelihood "
                f"{likelihood.probability:.0%} -> {likelihood.if_split:.0%})"
            )
    return tuple(advice)

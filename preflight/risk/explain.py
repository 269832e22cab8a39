"""What a score does not know (and how that lowers confidence), and what would lower it.

Confidence starts high; each unknown caps it and says so:
- no runtime data at all for changed behaviour: low;
- changed functions without measured traffic: low when more than half, medium when more
  than a tenth (inferred traffic counts as unmeasured);
- a snapshot older than STALE_HOURS, or one whose runtime functions matched the code for
  less than MIN_RESOLUTION of them: medium;
- no history features, or fewer than SHORT_HISTORY commits before the change: medium.

What would lower the score is computed, not guessed: each suggestion is the same score
function run on the changed input (a flag or canary exposing CANARY of the traffic, the old
signature kept, the change split in two halves). Tests are advised without a number: the
history model gives tests no discount, because in real history changed tests track size.
"""

from __future__ import annotations

from collections.abc import Sequence

from preflight.models import Exposure, FunctionExposure, Impact, Likelihood

STALE_HOURS = 7 * 24.0
MIN_RESOLUTION = 0.8
SHORT_HISTORY = 50
CANARY = 0.05
WORTH_SAYING = 3
"""Points a suggestion must save to be shown."""
_ORDER = {"high": 2, "medium": 1, "low": 0}


def confidence(
    exposure: Exposure, behavioural: Sequence[FunctionExposure], likelihood: Likelihood | None
) -> tuple[str, tuple[str, ...]]:
    """(high, medium or low; the unknowns, each saying how it capped the confidence)."""
    from preflight.risk.impact import short, traffic

    caps: list[tuple[str, str]] = []
    unknowns = [f"no runtime data for {short(f.change.qualname)}" for f in behavioural if traffic(f) is None]
    for f in behavioural:
        if f.calls_per_min is None and f.inferred is not None:
            callers = len(f.inferred.callers)
            unknowns.append(
                f"no runtime data for {short(f.change.qualname)}; {f.inferred.calls_per_min:,.0f} calls/min inferred "
                f"from {callers} caller{'s' * (callers != 1)} ({f.inferred.confidence} confidence)"
                + (f", {f.inferred.unknown_callers} more without data" if f.inferred.unknown_callers else "")
            )
    measured = sum(f.calls_per_min is not None for f in behavioural)
    if behavioural and exposure.source is None:
        caps.append(("low", "no runtime data was given: traffic and blast radius are unknown"))
    elif behavioural and measured < len(behavioural):
        share = measured / len(behavioural)
        level = "low" if share < 0.5 else "medium" if share < 0.9 else "high"
        caps.append(
            (
                level,
                f"{len(behavioural) - measured} of {len(behavioural)} changed functions lack measured traffic",
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
    level = "high"
    for cap, _ in caps:
        level = min(level, cap, key=_ORDER.__getitem__)
    unknowns += [f"{why}: confidence at most {cap}" for cap, why in caps if cap != "high"]
    return level, tuple(unknowns)


def lower_it(
    behavioural: Sequence[FunctionExposure],
    impact: Impact | None,
    likelihood: Likelihood | None,
    current: int,
    source: str | None,
    paths: Sequence[str],
) -> tuple[str, ...]:
    """Suggestions that would lower the score, each with the score it would have."""
    from preflight.history.features import TEST_GLOBS, matches
    from preflight.risk import score
    from preflight.risk.impact import hottest, short, signature_breaks, traffic

    advice = []
    top = hottest(behavioural)
    exposed = score(behavioural, impact, likelihood, share=CANARY).score
    if current - exposed >= WORTH_SAYING:
        name = short(top[0].change.qualname) if top is not None else "the change"
        advice.append(
            f"ship {name} behind a feature flag or a {CANARY:.0%} canary: score {current} -> {exposed} "
            f"(a fault would reach {CANARY:.0%} of the traffic)"
        )
    breaks = signature_breaks(behavioural)
    if breaks:
        kept = score(behavioural, impact, likelihood, compatible=True).score
        widest = max(breaks, key=lambda f: f.callers or 0)
        if current - kept >= WORTH_SAYING:
            advice.append(
                f"keep the old signature of {short(widest.change.qualname)} working for its {widest.callers:,} "
                f"caller{'s' * (widest.callers != 1)} "
                f"(a wrapper or defaulted parameters): score {current} -> {kept}"
            )
    if likelihood is not None and likelihood.if_split is not None:
        halves = score(behavioural, impact, likelihood, probability=likelihood.if_split).score
        if current - halves >= WORTH_SAYING:
            advice.append(
                f"split the change in two: each half scores about {halves} (defect likelihood "
                f"{likelihood.probability:.0%} -> {likelihood.if_split:.0%})"
            )
    if behavioural and not any(matches(path, TEST_GLOBS) for path in paths):
        name = short((top[0] if top is not None else behavioural[0]).change.qualname)
        advice.append(
            f"add tests that exercise {name}: the change touches no test file (the score does not change: "
            "the model gives tests no discount)"
        )
    unknown = [f for f in behavioural if traffic(f) is None]
    if unknown:
        advice.append(
            "provide runtime data (--snapshot or --calls) so traffic is measured, not unknown"
            if source is None
            else f"add runtime data for the {len(unknown):,} changed function{'s' * (len(unknown) != 1)} "
            f"missing from {source}"
        )
    return tuple(advice)

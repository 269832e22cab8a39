"""The likelihood half of the score: the probability that the change is defective.

The probability comes from the history model (preflight.history.coefficients) applied to the
change's features (preflight.history.pending). It enters the score twice (see
preflight.risk): LIKELIHOOD_POINTS times the probability on its own, and as a multiplier
of the impact points, 0.5 + p / (p + base rate): exactly 1 for the repository's average
change, down to 0.5 for a change history says is very safe, up to 1.5 for a very risky one.
"""

from __future__ import annotations

from collections.abc import Sequence

from preflight.history.coefficients import DEFAULT_BASE_RATE
from preflight.models import Driver, Likelihood

LIKELIHOOD_POINTS = 30.0
ASSUMED_BASE_RATE = DEFAULT_BASE_RATE
"""The probability assumed when no history could be read: the default model's average change."""
KEEP_WHEN_SPLIT = frozenset(
    {"directories", "subsystems", "developers", "author_experience", "age_days", "is_fix"}
)
"""Features that stay as they are when a change is split in two; the others (sums over the
files and lines of the change) halve, and the entropy loses one bit."""
SHOWN_DRIVERS = 3

_LABELS = {
    "lines_added": "{:,.0f} line{s} added",
    "lines_deleted": "{:,.0f} line{s} deleted",
    "files": "{:,.0f} file{s}",
    "directories": "{:,.0f} director{y}",
    "subsystems": "{:,.0f} top-level package{s}",
    "new_files": "{:,.0f} new file{s}",
    "file_size": "{:,.0f} line{s} in the touched files",
    "past_changes": "{:,.0f} earlier change{s} to these files",
    "past_fixes": "{:,.0f} earlier fix{es} to these files",
    "developers": "{:,.0f} earlier author{s} of these files",
    "author_experience": "the author's {:,.0f} earlier commit{s}",
    "author_file_experience": "the author's {:,.0f} earlier commit{s} to these files",
    "age_days": "code last changed {:,.0f} day{s} before",
    "config_files": "{:,.0f} configuration file{s}",
    "migration_files": "{:,.0f} migration file{s}",
    "dependency_files": "{:,.0f} dependency file{s}",
    "test_files": "{:,.0f} test file{s}",
    "is_fix": "a fix",
    "complexity_change": "{:+,.0f} decision points (complexity)",
    "signature_changes": "{:,.0f} changed signature{s}",
    "signature_callers": "{:,.0f} call site{s} of the changed signatures",
    "prod_lines_added": "{:,.0f} line{s} added to production code",
    "prod_lines_deleted": "{:,.0f} line{s} deleted from production code",
    "prod_files": "{:,.0f} production file{s}",
    "test_lines_added": "{:,.0f} test line{s} added",
    "defs_added": "{:,.0f} function{s} added",
    "defs_removed": "{:,.0f} function{s} removed",
    "exceptions_touched": "{:,.0f} line{s} of exception handling touched (try, except, finally, raise)",
    "conditions_touched": "{:,.0f} condition{s} touched (if, elif, else, while)",
}
"""Each feature in words for reviewers (production code: non-test, non-vendored .py files);
{s}, {es} and {y} make the noun plural unless the value is 1."""


def multiplier(probability: float, base_rate: float) -> float:
    """How the defect probability scales the impact points: 1.0 at the base rate, in (0.5, 1.5)."""
    return 0.5 + probability / (probability + base_rate) if probability + base_rate > 0 else 1.0


def estimate(
    values: Sequence[float],
    coefficients: object,
    history_commits: int = 0,
    notes: Sequence[str] = (),
) -> Likelihood:
    """The probability of a defect for one change's features (FEATURES order), with its drivers."""
    from preflight.history.coefficients import Coefficients, transform_row
    from preflight.history.features import FEATURES

    assert isinstance(coefficients, Coefficients)
    row = transform_row(values)
    contributions = [w * t for w, t in zip(coefficients.weights, row, strict=True)]
    drivers = sorted(
        (
            Driver(name, float(value), part)
            for name, value, part in zip(FEATURES, values, contributions, strict=True)
            if abs(part) >= 0.005
        ),
        key=lambda d: -abs(d.log_odds),
    )
    halves = [
        value if name in KEEP_WHEN_SPLIT else max(0.0, value - 1.0) if name == "entropy" else value / 2
        for name, value in zip(FEATURES, values, strict=True)
    ]
    probability, if_split = coefficients.probability_of(values), coefficients.probability_of(halves)
    return Likelihood(
        probability=probability,
        base_rate=coefficients.base_rate,
        source=coefficients.source,
        drivers=tuple(drivers),
        if_split=if_split,
        history_commits=history_commits,
        notes=tuple(notes),
    )


def describe(driver: Driver) -> str:
    """A driver for people: "412 lines added"."""
    if driver.feature == "entropy":  # 2**bits: the number of equally changed files with that spread
        return f"changes spread over about {2**driver.value:,.0f} files"
    one = round(driver.value) == 1
    plural = {"s": "" if one else "s", "es": "" if one else "es", "y": "y" if one else "ies"}
    label = _LABELS.get(driver.feature, driver.feature.replace("_", " ") + " {:,.1f}")
    return label.format(driver.value, **plural)


def detail(likelihood: Likelihood | None, factor: float) -> str:
    """The likelihood factor for a reviewer: the probability against the average change, and what
    that does to the weight of the impact (`factor`, the multiplier m(p))."""
    if likelihood is None:
        return (
            f"no history to learn from: the average change's {ASSUMED_BASE_RATE:.0%} chance of a defect "
            "is assumed"
        )
    than = "above" if likelihood.probability > likelihood.base_rate else "below"
    if abs(factor - 1.0) < 0.05:
        than, weight = "about", "its impact counts as it is"
    else:
        weight = f"its impact counts {'more' if factor > 1 else 'less'}"
    return (
        f"{likelihood.probability:.0%} chance the change is defective, {than} the "
        f"{likelihood.base_rate:.0%} of an average change here: {weight}"
    )


def drivers(likelihood: Likelihood) -> str:
    """The features that weigh most in the probability, for the report's details."""
    return ", ".join(describe(d) for d in likelihood.drivers[:SHOWN_DRIVERS])

"""The defect model's coefficients: the probability that a change is defective, by logistic regression.

Every feature except the flags below enters as log(1 + x): size and history
counts are heavy-tailed, and the literature on just-in-time defect prediction
(Kamei et al. 2013 and after) log-transforms them too.

DEFAULT_COEFFICIENTS are hand-set, not fitted: their weights follow the signs reported in
that literature (bigger, more spread, more frequently fixed changes are riskier;
experienced authors less so; more decision points and changed signatures of much-called
functions riskier too). Their intercept and DEFAULT_BASE_RATE are measured, see there.
preflight.history.fitting learns coefficients from a repository's own history.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from preflight.errors import InputError
from preflight.files import write_atomic
from preflight.history.features import FEATURES

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]

LINEAR = frozenset({"entropy", "is_fix"})
"""Features used as they are."""
SIGNED = frozenset({"complexity_change"})
"""Features that can be negative: they enter as sign(x) log(1 + |x|); all others as log(1 + x)."""
COEFFICIENTS_FILE = ".preflight/coefficients.json"
"""Where `backtest --fit` writes the coefficients and `check` reads them (at the base revision)."""
FORMAT_VERSION = 2
"""Version 2: base_rate; the function-level features; no past_churn."""


@dataclass(frozen=True, slots=True)
class Coefficients:
    """A logistic model: intercept plus one weight per transformed feature."""

    intercept: float
    weights: tuple[float, ...]
    """One weight per name in FEATURES, on the transformed (log) scale."""
    base_rate: float
    """The mean predicted probability over the commits the model describes: the probability of the
    repository's average change (what a change's probability is compared with)."""
    source: str = "default"
    """Where the numbers come from ("default", or what they were fitted on)."""

    def probability(self, values: Sequence[Sequence[float]] | Array) -> Array:
        """Probability of a defect for each row of raw feature values (numpy: the backtest's many rows)."""
        import numpy as np

        z = transform(values) @ np.asarray(self.weights) + self.intercept
        result: Array = 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))
        return result

    def probability_of(self, values: Sequence[float]) -> float:
        """Probability of a defect for one change's raw feature values, in plain arithmetic: `check`
        scores one change, and importing numpy for it would cost the pre-push hook more than the rest."""
        z = self.intercept + math.fsum(
            w * t for w, t in zip(self.weights, transform_row(values), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-min(35.0, max(-35.0, z))))


_DEFAULTS = {
    "lines_added": 0.30,
    "lines_deleted": 0.05,
    "files": 0.15,
    "directories": 0.0,
    "subsystems": 0.10,
    "entropy": 0.20,
    "new_files": 0.0,
    "file_size": 0.05,
    "past_changes": 0.10,
    "past_fixes": 0.15,
    "developers": 0.05,
    "author_experience": -0.10,
    "author_file_experience": -0.05,
    "age_days": -0.05,
    "config_files": 0.0,
    "migration_files": 0.30,
    "dependency_files": 0.0,
    "test_files": 0.0,
    "is_fix": 0.30,
    "complexity_change": 0.10,
    "signature_changes": 0.0,
    "signature_callers": 0.10,
    "prod_lines_added": 0.0,
    "prod_lines_deleted": 0.0,
    "prod_files": 0.0,
    "test_lines_added": 0.0,
    "defs_added": 0.0,
    "defs_removed": 0.0,
    "exceptions_touched": 0.0,
    "conditions_touched": 0.0,
}
DEFAULT_INTERCEPT = -3.85
"""Measured, with the hand-set weights above: over the training periods (oldest 60% of non-merge
commits) of the five projects of bench/backtest.py, the mean default probability equals their
pooled SZZ bug-inducing share as known at the end of those periods (13.1%; the intercept the
earlier hand-set version had, -3.2, predicted 21.9%)."""
DEFAULT_BASE_RATE = 0.131
"""The mean DEFAULT_COEFFICIENTS probability over those training periods (printed by
`python -m bench.backtest`; over every commit of the five projects it is 13.9%)."""
DEFAULT_COEFFICIENTS = Coefficients(
    DEFAULT_INTERCEPT, tuple(_DEFAULTS[name] for name in FEATURES), DEFAULT_BASE_RATE
)


def transform_row(values: Sequence[float]) -> list[float]:
    """One raw feature row -> model inputs, as `transform` does for many (no numpy)."""
    if len(values) != len(FEATURES):
        raise ValueError(f"{len(values)} feature values, expected {len(FEATURES)}")
    out = []
    for name, value in zip(FEATURES, values, strict=True):
        x = float(value)
        if name in LINEAR:
            out.append(x)
        elif name in SIGNED:
            out.append(math.copysign(math.log1p(abs(x)), x) if x else 0.0)
        else:
            out.append(math.log1p(max(x, 0.0)))
    return out


def transform(values: Sequence[Sequence[float]] | Array) -> Array:
    """Raw feature rows -> model inputs (log(1 + x) except for LINEAR features)."""
    import numpy as np

    x = np.asarray(values, dtype=np.float64).reshape(-1, len(FEATURES))
    linear = np.array([name in LINEAR for name in FEATURES])
    signed = np.array([name in SIGNED for name in FEATURES])
    logged = np.where(signed, np.sign(x) * np.log1p(np.abs(x)), np.log1p(np.maximum(x, 0.0)))
    out: Array = np.where(linear, x, logged)
    return out


def save(coefficients: Coefficients, path: str | Path) -> None:
    """Write coefficients as JSON (atomically)."""
    document = {
        "version": FORMAT_VERSION,
        "model": "logistic; features enter as log(1 + x), "
        + ", ".join(sorted(SIGNED))
        + " as sign(x) log(1 + |x|), "
        + ", ".join(sorted(LINEAR))
        + " as they are",
        "source": coefficients.source,
        "base_rate": coefficients.base_rate,
        "intercept": coefficients.intercept,
        "coefficients": dict(zip(FEATURES, coefficients.weights, strict=True)),
    }
    write_atomic(Path(path), json.dumps(document, indent=2) + "\n")


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse(text: str, source: str) -> Coefficients:
    """Coefficients from the text of a file save() wrote; InputError names source and what is wrong."""
    fix = "rerun `preflight backtest --fit`"
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{source}:{e.lineno}: not valid JSON ({e.msg}); {fix}") from e
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise InputError(f"{source}: not a version {FORMAT_VERSION} coefficients file; {fix}")
    given, intercept, rate = (
        document.get("coefficients"),
        document.get("intercept"),
        document.get("base_rate"),
    )
    if not isinstance(given, dict) or not _number(intercept):
        raise InputError(f"{source}: needs numeric 'intercept' and a 'coefficients' object; {fix}")
    if not _number(rate) or not 0 < float(rate) < 1:
        raise InputError(f"{source}: 'base_rate' must be a probability between 0 and 1, got {rate!r}; {fix}")
    unknown = sorted(set(given) - set(FEATURES))
    if unknown:
        raise InputError(f"{source}: unknown features {', '.join(unknown)}; known: {', '.join(FEATURES)}")
    weights = []
    for name in FEATURES:
        value = given.get(name, 0.0)
        if not _number(value):
            raise InputError(f"{source}: coefficient {name!r} must be a number, got {value!r}")
        weights.append(float(value))
    return Coefficients(float(intercept), tuple(weights), float(rate), str(document.get("source", source)))


def load(path: str | Path) -> Coefficients:
    """Read a coefficients file written by save(); InputError says what is wrong with it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read coefficients file ({e})") from e
    return parse(text, str(path))

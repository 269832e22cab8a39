"""The defect model's coefficients: the probability that a change is defective, by logistic regression.

Every feature except the flags below enters as log(1 + x): size and history
counts are heavy-tailed, and the literature on just-in-time defect prediction
(Kamei et al. 2013 and after) log-transforms them too.

DEFAULT_COEFFICIENTS are fitted across projects (see _DEFAULTS): what they weigh is what
ranked the changes of projects the fit had not seen best. preflight.history.fitting learns
coefficients from a repository's own history (`preflight backtest --fit`).
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
    "prod_lines_added": 0.5948,
    "conditions_touched": 0.2862,
    "is_fix": 0.3976,
    "signature_callers": 0.1555,
    "test_files": 0.1773,
}
"""The weights of the default model; every other feature's is 0.

Fitted on the 11 development projects of bench/backtest.py (DEVELOPMENT: click, flask,
werkzeug, jinja, markupsafe, itsdangerous, rich, httpx, attrs, marshmallow, alembic; their
histories as mirrored for issue 22), on the commits that add production lines (non-test,
non-vendored .py) of each project's oldest 60% of non-merge commits, labelled by SZZ with the
fixes known at the end of that period: one pooled logistic regression with an intercept per
project (fitting.fit_pooled, L2 strength 100 on standardised features). The features and the
strength were chosen by leave-one-project-out over those projects only (backward elimination
from every feature but migration_files: the smallest set within 0.002 of the best mean ROC-AUC),
with `python -m bench.backtest_crossproject select` (bench/results/backtest-crossproject.md: the
choice, the per-project results, and five held-out projects never used for any of it). Lines,
files and history counts of the touched files (past changes, past fixes, size, developers, the
author's experience) ranked the unseen projects no better once production lines were known."""
DEFAULT_INTERCEPT = -3.9589
"""Calibrated in the large (fitting.calibrate_intercept) on the newest 40% of the same projects'
commits that add production lines, with every SZZ label known today: there the mean default
probability equals the observed bug-inducing share, 12.2%."""
DEFAULT_BASE_RATE = 0.1222
"""The mean DEFAULT_COEFFICIENTS probability over those commits (the average change that adds
production lines)."""
DEFAULT_COEFFICIENTS = Coefficients(
    DEFAULT_INTERCEPT, tuple(_DEFAULTS.get(name, 0.0) for name in FEATURES), DEFAULT_BASE_RATE
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

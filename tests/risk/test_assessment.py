"""risk/assessment.py: a change's Risk: score, level, confidence, unknowns."""

from __future__ import annotations

from dataclasses import replace

import pytest

from preflight.models import (
    ChangeKind,
    Exposure,
)
from preflight.risk import LEVELS, assess
from tests.risk.helpers import HOT, item, likely, points


def test_no_behaviour_changed_scores_only_the_likelihood() -> None:
    risk = assess(
        Exposure((item(ChangeKind.COSMETIC), item(ChangeKind.RENAMED, name="m.g")), "calls.csv"),
        likelihood=likely(0.05),
    )
    assert points(risk) == [("defect likelihood", 1.5)] and risk.score == 2 and risk.level == "low"
    assert risk.confidence == "high" and risk.unknowns == ()


@pytest.mark.parametrize(("probability", "level"), [(0.05, "medium"), (0.3, "high"), (0.6, "critical")])
def test_level_follows_the_score(probability: float, level: str) -> None:
    risk = assess(Exposure((HOT,), "calls.csv"), likelihood=likely(probability))
    assert risk.level == level
    assert risk.level == next(name for floor, name in LEVELS if risk.score >= floor)


def test_functions_outside_production_are_listed_but_not_scored() -> None:
    in_tests = replace(HOT, production=False)
    risk = assess(Exposure((in_tests,), "calls.csv"), likelihood=likely(0.3))
    assert points(risk) == [("defect likelihood", 9.0)]
    assert risk.score == 9 and risk.lower_it == ()

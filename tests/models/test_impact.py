"""models/impact.py: an SLO burns when a breach is possible or the budget burns faster than planned."""

from __future__ import annotations

import pytest

from preflight.models import Estimate, SloImpact


def _slo(burn_rate: Estimate | None, breach: float | None) -> SloImpact:
    return SloImpact(
        "web-availability", "web", "error", 0.999, 0.9995, None, burn_rate, 0.5, None, breach, ()
    )


@pytest.mark.parametrize(
    ("burn_rate", "breach", "burns"),
    [
        (None, None, False),
        (Estimate(1.0, 0.5, 3.0), 0.0, False),  # exactly the budgeted rate
        (Estimate(1.2, 1.0, 1.5), None, True),
        (Estimate(0.2, 0.1, 0.3), 0.01, True),  # a breach in some trials
        (None, 0.0, False),
    ],
)
def test_burns(burn_rate: Estimate | None, breach: float | None, burns: bool) -> None:
    assert _slo(burn_rate, breach).burns is burns

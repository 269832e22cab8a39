"""models/impact.py: an SLO burns when its budget burns faster than planned: at a median burn rate
above 1, or above 1 in the worst trials with a chance of breach."""

from __future__ import annotations

import pytest

from preflight.models import Estimate, SloImpact


def _slo(burn_rate: Estimate | None, breach: float | None) -> SloImpact:
    return SloImpact(
        "web-availability",
        "web",
        "error",
        0.999,
        0.9995,
        None,
        burn_rate,
        0.5,
        None,
        breach,
        None if breach is None else 0.0,
        (),
    )


@pytest.mark.parametrize(
    ("burn_rate", "breach", "burns"),
    [
        (None, None, False),
        (Estimate(1.0, 0.5, 3.0), 0.0, False),  # exactly the budgeted rate
        (Estimate(1.2, 1.0, 1.5), None, True),
        (Estimate(0.8, 0.3, 2.5), 0.2, True),  # above the budgeted rate, with a breach, in some trials
        (Estimate(0.2, 0.1, 0.3), 0.01, False),  # a breach in some trials, never above the budgeted rate
        (Estimate(1.0, 1.0, 1.0), 1.0, False),  # the remaining budget runs out, at the budgeted rate
        (Estimate(0.0, 0.0, 0.0), 1.0, False),  # a budget already spent, not burnt further
        (Estimate(0.8, 0.3, 2.5), 0.0, False),
        (None, 0.0, False),
    ],
)
def test_burns(burn_rate: Estimate | None, breach: float | None, burns: bool) -> None:
    assert _slo(burn_rate, breach).burns is burns

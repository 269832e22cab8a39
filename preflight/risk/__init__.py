"""Stage 6, risk: a 0-100 score whose factors add up to it, what is unknown, what would lower it.

    score = LIKELIHOOD_POINTS * p  +  m(p) * impact,   m(p) = 0.5 + p / (p + base rate)

p is the probability that the change is defective (history features, preflight.risk.likelihood)
and impact the points for what a fault in the changed code would reach (preflight.risk.impact):
traffic, front doors, SLOs and their remaining budget, callers a signature break leaves behind,
and unknown traffic. The factors are the terms of that sum: the defect likelihood carries
30p, and each impact factor carries m(p) times its points, so no factor is ever negative and
they always add up to the score. When they would pass 100 every factor is scaled down by the
same ratio.
"""

from __future__ import annotations

from preflight.risk.assessment import LEVELS, assess
from preflight.risk.impact import traffic
from preflight.risk.scoring import Scored, score

__all__ = ["LEVELS", "Scored", "assess", "score", "traffic"]

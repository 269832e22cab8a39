"""Stage 5's contracts: what a simulated fault does to each service and SLO."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Estimate:
    """A Monte Carlo result: the median and a 90% interval (5th-95th percentile) over trials."""

    median: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class ServiceImpact:
    """Stage 5: one service before and after the simulated fault."""

    service: str
    p50_ms_before: float | None
    """None when the service's latency is unknown (then only its change is predicted)."""
    p90_ms_before: float | None
    p50_ms_after: Estimate | None
    p90_ms_after: Estimate | None
    added_p90_ms: Estimate
    """Change of the p90 in ms (negative: faster, e.g. requests failing fast)."""
    error_rate_before: float
    error_rate_after: Estimate
    load_factor: Estimate
    """Requests it receives relative to before (retries multiply them)."""
    affected_probability: float
    """Share of trials where its p90 grew by AFFECTED_RATIO or its errors by AFFECTED_ERROR."""
    affected: bool
    """affected_probability >= 0.5."""
    front_door: bool
    """Nobody in the graph calls it: its numbers are what users see."""
    path: tuple[str, ...] = ()
    """When affected: the shortest call chain by which a fault reaches it, injected service
    first (just itself where a fault was injected); empty otherwise."""


EXHAUSTED_BEFORE = "exhausts its budget without this change"
"""How the simulation, the reports and the MCP server say that SloImpact.breach_before is 1."""


@dataclass(frozen=True, slots=True)
class SloImpact:
    """Stage 5: one SLO under the simulated fault."""

    name: str
    service: str
    indicator: str
    objective: float
    sli_before: float | None
    sli_after: Estimate | None
    burn_rate: Estimate | None
    """Error-budget burn rate while the fault lasts (1 = exactly the budgeted rate)."""
    budget_remaining: float | None
    hours_to_exhaust: Estimate | None
    """Hours until the remaining budget is gone at that burn rate; None when it is unknown."""
    breach_probability: float | None
    """Share of trials whose burn exhausts the remaining budget within the SLO window."""
    breach_before: float | None
    """1.0 when the burn rate before the change (at sli_before) already exhausts the remaining
    budget within the window, else 0.0; None where breach_probability is None."""
    critical_path: tuple[str, ...]
    """Services from the fault to the SLO's service, fault first."""
    notes: tuple[str, ...] = ()

    @property
    def burns(self) -> bool:
        """The fault may burn this SLO faster than budgeted (a burn rate above 1): at the median, or
        in the worst trials (the 95th percentile) with a chance of breach. At or below the budgeted
        rate it is not burning, even when the budget left runs out within the window at that rate."""
        if self.burn_rate is None:
            return False
        worst = (self.breach_probability or 0.0) > 0 and self.burn_rate.high > 1
        return self.burn_rate.median > 1 or worst

    @property
    def breach_added(self) -> float | None:
        """The breach probability the change adds: none when the budget runs out without it too."""
        if self.breach_probability is None:
            return None
        return max(0.0, self.breach_probability - (self.breach_before or 0.0))


@dataclass(frozen=True, slots=True)
class Impact:
    """Stage 5 output: the predicted effect of the change's failure modes across services and SLOs."""

    faults: tuple[str, ...]
    """The injected failure modes, as `service[:function]:kind=value` specs."""
    trials: int
    services: tuple[ServiceImpact, ...]
    slos: tuple[SloImpact, ...]
    assumptions: tuple[str, ...]
    """Defaults the simulation had to assume (unknown rates, utilization, budgets)."""

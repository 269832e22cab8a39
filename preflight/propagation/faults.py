"""Failure modes of a change: `SERVICE[:FUNCTION]:KIND=VALUE`, and their Monte Carlo samples.

Kinds (VALUE may be a range `LOW..HIGH`: the magnitude is unknown, so it is sampled):
    error=0.2            a fraction of the function's executions raise (callers may retry
                         or fall back); error=measured: the share its callers saw fail
    wrong=0.2            a fraction return a wrong value: the call succeeds, the caller
                         fails using it (no retry or fallback helps); wrong=measured too
    latency=200ms | x2   each execution takes longer: absolute (ms, s) or a ratio of the
                         service's own latency
    network=200ms | x3   calls into the service take longer on the wire (seen by callers,
                         not in the service's own latency): absolute, or a ratio of the wire
                         time measured on them (client-side minus server-side duration)
    cpu=x2               the function costs this many times the CPU: the service's
                         utilization rises and queueing latency grows
Fractions in a range are sampled uniformly; latencies and ratios log-uniformly (they are scales).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from preflight.errors import InputError

KINDS = ("error", "wrong", "latency", "network", "cpu")
_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>ms|s)$")
_RATIO = re.compile(r"^x(?P<n>\d+(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class Fault:
    """One failure mode injected at a service (or one function of it)."""

    service: str
    function: str | None
    kind: str
    low: float
    """Magnitude: a fraction (error, wrong), milliseconds (latency, network) or a ratio."""
    high: float
    ratio: bool = False
    """latency given as a ratio of the service's own latency (`x2`)."""
    share: float = 1.0
    """Share of the service's requests that execute the function (1 for the whole service)."""
    spec: str = ""
    executions: float = 1.0
    """Executions per request that runs it (at least 1): errors compound over them, delays add up."""
    measured: bool = False
    """error/wrong=measured: the magnitude is what the snapshot measured (magnitudes.resolve)."""
    routes: tuple[tuple[str, float], ...] = ()
    """Its service's routes that run the function, each with its executions per request of that
    route; empty: every route (or the service has none)."""

    def sample(self, rng: np.random.Generator, scenarios: int) -> np.ndarray:
        """The magnitude per scenario: fixed, or drawn from its range (stratified: one draw in each
        of `scenarios` equal slices of it, in random order)."""
        if self.low == self.high:
            return np.full(scenarios, self.low)
        unit = (rng.permutation(scenarios) + rng.random(scenarios)) / scenarios
        if self.kind in ("error", "wrong"):
            return self.low + (self.high - self.low) * unit
        return np.exp(math.log(self.low) + (math.log(self.high) - math.log(self.low)) * unit)

    def with_share(self, per_request: float) -> Fault:
        """Weighted by the function's executions per request of its service (calls / requests):
        below 1, the share of requests that run it; above, every request runs it that many times."""
        return replace(self, share=min(1.0, per_request), executions=max(1.0, per_request))


def parse(spec: str) -> Fault:
    """`checkout:shop.pay.charge:error=0.05..0.5` -> Fault; a bad spec says what is allowed."""
    text = spec.strip()
    target, sep, value = text.partition("=")
    head, colon, kind = target.rpartition(":")
    if not sep or not colon or not head or not value:
        raise InputError(
            f"--inject {spec!r}: expected SERVICE[:FUNCTION]:KIND=VALUE, e.g. checkout:error=0.1 "
            "or checkout:shop.pay.charge:latency=50ms..500ms"
        )
    kind = kind.strip()
    if kind not in KINDS:
        raise InputError(f"--inject {spec!r}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    service, _, function = head.partition(":")
    if value.strip() == "measured":
        if kind not in ("error", "wrong"):
            raise InputError(f"--inject {spec!r}: only error and wrong can be measured; give {kind} a value")
        return Fault(service.strip(), function.strip() or None, kind, 0.0, 0.0, spec=text, measured=True)
    low_text, dots, high_text = value.partition("..")
    low, ratio = _magnitude(spec, kind, low_text.strip())
    high, high_ratio = _magnitude(spec, kind, high_text.strip()) if dots else (low, ratio)
    if ratio != high_ratio:
        raise InputError(f"--inject {spec!r}: both ends of a range must be ratios (x2) or durations (ms)")
    if high < low:
        raise InputError(f"--inject {spec!r}: the range goes down; write LOW..HIGH")
    return Fault(service.strip(), function.strip() or None, kind, low, high, ratio, spec=text)


def _magnitude(spec: str, kind: str, text: str) -> tuple[float, bool]:
    if kind in ("error", "wrong"):
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 1:
            raise InputError(f"--inject {spec!r}: {kind} takes a fraction of executions, 0 to 1 (e.g. 0.2)")
        return value, False
    ratio = _RATIO.match(text)
    if ratio and kind in ("latency", "cpu", "network"):
        value = float(ratio["n"])
        if value < 1:
            raise InputError(f"--inject {spec!r}: a {kind} ratio is at least x1")
        return value, True
    duration = _DURATION.match(text)
    if duration and kind in ("latency", "network"):
        value = float(duration["n"]) * (1000.0 if duration["unit"] == "s" else 1.0)
        if value <= 0:
            raise InputError(f"--inject {spec!r}: a duration must be above 0")
        return value, False
    forms = {"latency": "200ms, 1.5s or x2", "network": "200ms, 1.5s or x3", "cpu": "x2"}[kind]
    raise InputError(f"--inject {spec!r}: {kind} takes {forms} (or a range LOW..HIGH)")

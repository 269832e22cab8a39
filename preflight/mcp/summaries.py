"""The plain sentences every answer carries: what preflight knows, from which data and how fresh,
and what it does not know, for an agent to quote to a human.

Numbers are written as people read them (1,234 calls/min, 0.35%, 3.2 days); unknown is said,
never shown as zero. Names come from the repository and telemetry: control characters are
escaped (an answer is text an agent may print).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from preflight.models import EXHAUSTED_BEFORE
from preflight.report.escaping import terminal
from preflight.risk.explain import STALE_HOURS

MAX_SENTENCES = 6
LISTED = 3
"""Names listed in a sentence before "and N more"."""


def text(sentences: Iterable[str | None]) -> str:
    """The sentences (None and empty ones dropped, at most MAX_SENTENCES) as one paragraph."""
    kept = [s.strip() for s in sentences if s and s.strip()][:MAX_SENTENCES]
    return " ".join(s if s.endswith((".", "!", "?")) else s + "." for s in kept)


def name(value: object) -> str:
    """A name from the repository or telemetry, safe to print."""
    return terminal(str(value))


def rate(value: float | None) -> str:
    """Calls per minute: 1,234, 42.3 or 0.05."""
    if value is None:
        return "unknown"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if value >= 1 else f"{value:.2g}"


def share(value: float | None) -> str:
    """A fraction as a percentage: 18.5%, 0.35%."""
    if value is None:
        return "unknown"
    return f"{value:.1%}" if value >= 0.01 or value == 0 else f"{value:.2%}"


def breach(slo: Mapping[str, Any]) -> str:
    """An SLO's breach probability, saying so when its budget runs out without the change too."""
    said = f"breach probability {share(slo['breach_probability'])}"
    return f"{said}; it {EXHAUSTED_BEFORE}" if slo["breach_before"] else said


def ms(value: float | None) -> str:
    """Milliseconds."""
    if value is None:
        return "unknown"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.3g} ms"


def listing(items: Sequence[str], limit: int = LISTED) -> str:
    """a, b and c; a, b, c and 4 more."""
    shown = list(items[:limit])
    more = len(items) - len(shown)
    if more:
        return f"{', '.join(shown)} and {more} more"
    if len(shown) > 1:
        return f"{', '.join(shown[:-1])} and {shown[-1]}"
    return shown[0] if shown else ""


def age(hours: float) -> str:
    """3.5 hours, 2.1 days."""
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def freshness(snapshot: Mapping[str, Any] | None) -> str:
    """Where the runtime data came from and how old it is, as one sentence."""
    if snapshot is None:
        return "No runtime data was given: traffic, latency and SLOs are unknown"
    where = f"From the runtime snapshot {name(snapshot['location'])}"
    end = snapshot.get("window_end")
    window = f", telemetry up to {str(end)[:16].replace('T', ' ')} UTC" if end else ", window unknown"
    hours = snapshot.get("age_hours")
    if hours is None:
        return f"{where}{window}; its age is unknown"
    stale = f", older than the {STALE_HOURS / 24:.0f} days after which preflight calls it stale" * (
        hours > STALE_HOURS
    )
    return f"{where}{window}, {age(hours)} old{stale}"


def stale(snapshot: Mapping[str, Any] | None) -> str | None:
    """The unknown a stale snapshot brings, or None."""
    hours = None if snapshot is None else snapshot.get("age_hours")
    if hours is None or hours <= STALE_HOURS:
        return None
    return (
        f"the snapshot is {age(hours)} old (stale after {STALE_HOURS / 24:.0f} days): production may "
        "have changed since; rebuild it with `preflight collect`"
    )

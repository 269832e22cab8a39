"""Changed functions and likelihoods shared by the tests of preflight.risk."""

from __future__ import annotations

from dataclasses import replace

from preflight.models import (
    Aspect,
    ChangeKind,
    Driver,
    FunctionChange,
    FunctionExposure,
    Likelihood,
    LineSpan,
    RuntimeStats,
)


def item(
    kind: ChangeKind,
    aspects: tuple[Aspect, ...] = (),
    calls: float | None = None,
    name: str = "m.f",
    callers: int | None = None,
) -> FunctionExposure:
    change = FunctionChange("m.py", "m.py", name, name, kind, aspects, LineSpan(1, 3), LineSpan(1, 3), 1, 1)
    return FunctionExposure(change, RuntimeStats(calls), callers=callers)


def likely(p: float, base: float = 0.15, split: float | None = None, commits: int = 500) -> Likelihood:
    drivers = (Driver("lines_added", 412.0, 1.8), Driver("author_experience", 90.0, -0.45))
    return Likelihood(p, base, "default", drivers, if_split=split, history_commits=commits)


HOT = item(ChangeKind.MODIFIED, (Aspect.SIGNATURE, Aspect.BODY), 60000.0, "m.hot", callers=40)
HOT = replace(HOT, change=replace(HOT.change, signature_break=("keyword proxies no longer accepted",)))
NEW = item(ChangeKind.ADDED, name="m.new")


def points(risk: object) -> list[tuple[str, float]]:
    return [(f.name, f.points) for f in risk.factors]  # type: ignore[attr-defined]

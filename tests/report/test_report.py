"""Stage 7: the Markdown and text of a sample result against their golden files, and the hand-built
results (fn, result, sample, HOSTILE) the other report tests render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from preflight.exposure import join
from preflight.gate import decide as gate_decide
from preflight.models import (
    Aspect,
    ChangeKind,
    ChangeSet,
    CheckResult,
    Driver,
    Estimate,
    FileChange,
    FunctionChange,
    Gate,
    Impact,
    InferredTraffic,
    Likelihood,
    LineSpan,
    ReachRoute,
    RevisionRange,
    ServiceImpact,
    SloImpact,
)
from preflight.report.markdown import render_check
from preflight.report.text import check_text
from preflight.risk import assess

REVISIONS = RevisionRange("main", "HEAD", "1" * 40, "2" * 40, "3" * 40, "explicit")


def fn(
    qualname: str,
    kind: ChangeKind,
    aspects: tuple[Aspect, ...] = (),
    path: str = "shop/cart.py",
    old: str | None = None,
) -> FunctionChange:
    return FunctionChange(
        path, path, qualname, old or qualname, kind, aspects, LineSpan(3, 9), LineSpan(3, 8), 2, 1
    )


def result(
    functions: tuple[FunctionChange, ...], calls: dict[str, float] | None, fail_above: int | None
) -> CheckResult:
    files = tuple(
        FileChange(p, p, "modified", "Python", "full", 3, 1) for p in sorted({f.path for f in functions})
    )
    changes = ChangeSet(
        REVISIONS, files, functions, ("shop/broken.py: syntax error at line 4; parsed partially",)
    )
    exposure = join(changes, calls, "calls.csv" if calls is not None else None)
    risk = assess(exposure)
    return CheckResult(changes, exposure, risk, gate_decide(risk, Gate(), fail_above))


LIKELIHOOD = Likelihood(
    0.3,
    0.15,
    "default",
    (
        Driver("lines_added", 120.0, 1.44),
        Driver("past_fixes", 4.0, 0.24),
        Driver("author_experience", 30.0, -0.34),
    ),
    if_split=0.22,
    history_commits=640,
)


def service(name: str, probability: float, door: bool = False) -> ServiceImpact:
    return ServiceImpact(
        name,
        40.0,
        90.0,
        Estimate(45.0, 41.0, 60.0),
        Estimate(110.0, 95.0, 150.0),
        Estimate(20.0, 5.0, 60.0),
        0.001,
        Estimate(0.03, 0.01, 0.09),
        Estimate(1.0, 1.0, 1.1),
        probability,
        affected=probability >= 0.5,
        front_door=door,
    )


IMPACT = Impact(
    faults=("cart:shop.cart.Cart.add:error=0.01..0.3",),
    trials=2000,
    services=(service("frontend", 0.9, door=True), service("cart", 0.95), service("ads", 0.0)),
    slos=(
        SloImpact(
            "frontend-availability",
            "frontend",
            "error",
            0.999,
            0.9995,
            Estimate(0.97, 0.91, 0.99),
            Estimate(30.0, 10.0, 90.0),
            0.2,
            Estimate(4.8, 1.6, 14.4),
            0.85,
            0.0,
            ("cart", "frontend"),
        ),
    ),
    assumptions=("shop.pricing.loyalty: share of cart's requests unknown, assumed every request",),
)


def sample() -> CheckResult:
    base = _sample()
    items = list(base.exposure.functions)
    items[0] = replace(
        items[0],
        runtime=replace(
            items[0].runtime, service="cart", p99_ms=12.5, error_rate=0.002, endpoints=("POST /cart",)
        ),
    )
    items[3] = replace(
        items[3],
        routes=(
            ReachRoute("shop.api.checkout", "POST /checkout", ("shop.api.checkout", "shop.pricing.loyalty")),
        ),
        inferred=InferredTraffic(1200.0, "medium", (("shop.api.checkout", 1200.0),), 0),
    )
    exposure = replace(base.exposure, functions=tuple(items))
    risk = assess(exposure, IMPACT, LIKELIHOOD)
    return CheckResult(base.changes, exposure, risk, gate_decide(risk, Gate(), 60), IMPACT, LIKELIHOOD)


def _sample() -> CheckResult:
    return result(
        (
            fn("shop.cart.Cart.add", ChangeKind.MODIFIED, (Aspect.SIGNATURE, Aspect.BODY)),
            fn("shop.cart.Cart.total", ChangeKind.COSMETIC),
            fn(
                "shop.pricing.render_price",
                ChangeKind.RENAMED,
                path="shop/pricing.py",
                old="shop.pricing.format_price",
            ),
            fn("shop.pricing.loyalty", ChangeKind.ADDED, path="shop/pricing.py"),
        ),
        {"shop.cart.Cart.add": 61000.0, "shop.pricing.format_price": 300.0},
        60,
    )


def test_markdown_golden(golden: Callable[[str, str], None]) -> None:
    golden("check.md", render_check(sample()))


def test_text_golden(golden: Callable[[str, str], None]) -> None:
    golden("check.txt", check_text(sample()))


HOSTILE = [
    "pkg.mod.`rm -rf`",
    "a|b|c",
    "<img src=x onerror=alert(1)>",
    "@octocat please",
    "[click](https://evil.example)",
    "![img](https://evil.example/x.png)",
    "x" * 5000,
    "line\nbreak\r\n# heading",
    "\x1b[31mred\x1b[0m",
]

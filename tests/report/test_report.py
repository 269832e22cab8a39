"""Stage 7: Markdown (golden), JSON and text rendering, and escaping of untrusted names."""

from __future__ import annotations

import json
import re
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
from preflight.report import escaping
from preflight.report.document import check_document
from preflight.report.markdown import MARKER, render_check
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
    risk = assess(exposure, IMPACT, LIKELIHOOD, ("shop/cart.py", "shop/pricing.py"))
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


def test_json_document_is_consistent() -> None:
    doc = json.loads(json.dumps(check_document(sample())))
    assert doc["schema_version"] == 1
    assert doc["decision"] == {
        "passed": False,
        "threshold": 60,
        "reason": "score 96 is above the fail threshold 60",
        "verdict": "fail",
        "mode": "blocking",
        "warn_above": 50,
        "override": None,
        "notes": [],
    }
    assert [f["calls_per_min"] for f in doc["functions"]] == [61000.0, None, 300.0, None]
    assert doc["functions"][3]["inferred"]["calls_per_min"] == 1200.0
    assert doc["functions"][3]["reached_from"][0]["label"] == "POST /checkout"
    assert doc["risk"]["score"] == round(sum(f["points"] for f in doc["risk"]["factors"]))
    assert doc["risk"]["likelihood"]["probability"] == 0.3
    assert doc["risk"]["likelihood"]["drivers"][0] == {
        "feature": "lines_added",
        "value": 120.0,
        "log_odds": 1.44,
    }
    assert doc["impact"]["slos"][0]["critical_path"] == ["cart", "frontend"]


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


def test_hostile_names_are_inert_in_markdown() -> None:
    functions = tuple(fn(name, ChangeKind.MODIFIED, (Aspect.BODY,), path=name + ".py") for name in HOSTILE)
    out = render_check(result(functions, None, None))
    assert out.startswith(MARKER)
    assert "<img" not in out and "onerror=alert(1)>" not in out.replace("&lt;", "")
    assert "](https://evil" not in out and "![" not in out
    assert "@octocat" not in out  # a word joiner follows every @
    assert re.search(r"(?<!\\)`", out) is None
    assert "\x1b" not in out
    assert "x" * 300 not in out
    header = out.splitlines().index("| function | change |")  # nothing else has data
    table = out.splitlines()[header + 2 : header + 2 + len(HOSTILE)]
    assert all(row.endswith(" | modified (body) |") for row in table)
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 3 for row in table)


def test_hostile_names_are_inert_in_text() -> None:
    out = check_text(
        result((fn("\x1b[2Jevil\u202e", ChangeKind.MODIFIED, (Aspect.BODY,)),), None, None), color=True
    )
    assert "\x1b[2J" not in out and "\u202e" not in out
    assert "\\x1b[2Jevil\\u202e" in out
    assert "\x1b[31mFAIL" not in out and out.startswith("\x1b[32mPASS\x1b[0m")


def test_markdown_escape_unit() -> None:
    assert escaping.markdown("a_b*c") == r"a\_b\*c"
    assert escaping.markdown("<b>") == "&lt;b&gt;"
    assert escaping.markdown("@here") == "@\u2060here"
    assert len(escaping.markdown("y" * 1000)) == 200


def test_hostile_service_names_are_inert_in_the_mermaid_diagram() -> None:
    base = sample()
    names = ['cart"]:::x\n  click s0 href "https://evil"', "front```door", "<script>alert(1)</script>"]
    assert base.impact is not None
    services = tuple(replace(s, service=n) for s, n in zip(base.impact.services, names, strict=True))
    slo = replace(
        base.impact.slos[0], service=names[1], critical_path=(names[0], names[1]), name="@team [x](y)"
    )
    impact = replace(base.impact, services=services, slos=(slo,))
    items = list(base.exposure.functions)
    items[0] = replace(items[0], runtime=replace(items[0].runtime, service=names[0]))
    out = render_check(replace(base, impact=impact, exposure=replace(base.exposure, functions=tuple(items))))
    diagram = out.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert out.count("```") == 2  # nothing closed the fence
    lines = diagram.splitlines()
    assert not any(line.strip().startswith(("click", "cart")) for line in lines)  # no injected statements
    assert ":::x" not in diagram and "https://evil" not in diagram and "<script" not in diagram
    assert "@team" not in diagram and "[x](y)" not in diagram
    assert "#34;" in diagram and "#96;#96;#96;" in diagram  # quotes and backticks as entity codes


def test_a_5000_function_change_fits_in_one_comment() -> None:
    functions = tuple(
        fn(
            f"pkg.module_{i // 50}.function_with_a_long_name_{i}",
            ChangeKind.MODIFIED,
            (Aspect.BODY,),
            path=f"pkg/module_{i // 50}.py",
        )
        for i in range(5000)
    )
    calls = {f.qualname: float(i) for i, f in enumerate(functions) if i % 2}  # half have no data
    out = render_check(result(functions, calls, None))
    assert len(out) <= 15_000
    assert "#### The 10 riskiest of 5,000 changed functions" in out
    table = [line for line in out.splitlines() if line.startswith("| pkg")]
    assert len(table) == 10 and r"function\_with\_a\_long\_name\_4999" in table[0]  # the busiest first
    assert out.count("<details>") == out.count("</details>")
    # the unknowns are one line, not one per function
    assert "**Unknown:** no runtime data for 2,500 of 5,000 changed functions" in out
    assert out.count("no runtime data for") == 1
    assert "4,990 more changed functions" in out and "(see the JSON report)" in out


def test_the_last_resort_cut_closes_open_blocks() -> None:
    from preflight.report.limit import CUT_NOTE, LIMIT, fit, size

    text = "<details>\n```mermaid\n" + "a line of the diagram\n" * 5000
    cut = fit(text)
    assert size(cut) <= LIMIT and cut.count("```") == 2 and cut.count("</details>") == 1
    assert cut.endswith(CUT_NOTE)


def test_a_signature_break_is_named_in_the_functions_table() -> None:
    # callers outside the repository break too, and no call graph sees them: the table says it
    broken = replace(
        fn("http.Client.__init__", ChangeKind.MODIFIED, (Aspect.SIGNATURE,)),
        signature_break=(
            "keyword proxies no longer accepted",
            "keyword app no longer accepted",
            "async changed",
        ),
    )
    compatible = replace(fn("http.Client.get", ChangeKind.MODIFIED, (Aspect.SIGNATURE,)), signature_break=())
    out = render_check(result((broken, compatible), None, None))
    assert (
        "| http\\.Client\\.\\_\\_init\\_\\_ | modified (signature): breaks callers: keyword proxies no longer "
        "accepted; keyword app no longer accepted; +1 more |" in out
    )
    assert "| http\\.Client\\.get | modified (signature) |" in out

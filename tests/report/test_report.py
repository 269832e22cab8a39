"""Stage 7: Markdown (golden), JSON and text rendering, and escaping of untrusted names."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace

from preflight.exposure import join
from preflight.models import (
    Aspect,
    ChangeKind,
    ChangeSet,
    CheckResult,
    FileChange,
    FunctionChange,
    InferredTraffic,
    LineSpan,
    ReachRoute,
    RevisionRange,
)
from preflight.report import escaping
from preflight.report.document import check_document
from preflight.report.markdown import MARKER, render_check
from preflight.report.text import check_text
from preflight.risk import assess, decide

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
    return CheckResult(changes, exposure, risk, decide(risk, fail_above))


def sample() -> CheckResult:
    base = _sample()
    items = list(base.exposure.functions)
    items[3] = replace(
        items[3],
        routes=(
            ReachRoute("shop.api.checkout", "POST /checkout", ("shop.api.checkout", "shop.pricing.loyalty")),
        ),
        inferred=InferredTraffic(1200.0, "medium", (("shop.api.checkout", 1200.0),), 0),
    )
    exposure = replace(base.exposure, functions=tuple(items))
    risk = assess(exposure)
    return CheckResult(base.changes, exposure, risk, decide(risk, 60))


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
        "reason": "score 62 is above the threshold 60",
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
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 10 for row in table if "modified" in row)


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

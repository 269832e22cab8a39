"""report/markdown: the Markdown comment, its escaping of untrusted names and its size budget."""

from __future__ import annotations

import re
from dataclasses import replace

from preflight.models import Aspect, ChangeKind
from preflight.report.markdown import MARKER, render_check
from tests.report.test_report import HOSTILE, IMPACT, fn, result, sample


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


def test_an_slo_breached_without_the_change_says_so_in_the_slo_table() -> None:
    spent = replace(IMPACT.slos[0], breach_probability=1.0, breach_before=1.0)
    comment = render_check(replace(sample(), impact=replace(IMPACT, slos=(spent,))))
    assert (
        "| frontend\\-availability | frontend | 20.0% | 30.0x (10.0-90.0) | 4.8 h "
        "| 100.0% (exhausts its budget without this change) |"
    ) in comment

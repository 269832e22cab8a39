"""report/text: the terminal report and its escaping of untrusted names."""

from __future__ import annotations

from dataclasses import replace

from preflight.models import Aspect, ChangeKind
from preflight.report.text import changes_text, check_text, function_line, impact_lines
from tests.report.test_report import IMPACT, fn, result, sample


def test_hostile_names_are_inert_in_text() -> None:
    out = check_text(
        result((fn("\x1b[2Jevil\u202e", ChangeKind.MODIFIED, (Aspect.BODY,)),), None, None), color=True
    )
    assert "\x1b[2J" not in out and "\u202e" not in out
    assert "\\x1b[2Jevil\\u202e" in out
    assert "\x1b[31mFAIL" not in out and out.startswith("\x1b[32mPASS\x1b[0m")


def test_the_changes_listing_names_revisions_files_and_functions() -> None:
    changes = sample().changes
    out = changes_text(changes)
    lines = out.splitlines()
    assert lines[0] == "3333333333..2222222222  (base main via explicit, head HEAD)"
    assert lines[1] == f"{len(changes.files)} files changed"
    assert f"{len(changes.functions)} functions changed" in lines
    assert all(function_line(f) in out for f in changes.functions)


def test_a_function_line_has_mark_kind_name_aspects_and_place() -> None:
    line = function_line(fn("shop.cart.add", ChangeKind.MODIFIED, (Aspect.BODY,), path="shop/cart.py"))
    assert line.startswith("~ modified shop.cart.add [body]  shop/cart.py:")
    assert function_line(fn("shop.cart.new", ChangeKind.ADDED, ())).startswith("+ added    shop.cart.new  ")


def test_an_slo_breached_without_the_change_says_so_after_its_breach_probability() -> None:
    (slo,) = IMPACT.slos
    line = "  SLO frontend-availability (frontend, error 0.999): burn 30.0x [10.0x-90.0x], budget gone in "
    assert f"{line}4.8 h [1.6 h-14.4 h], P(breach) 85% via cart -> frontend" in impact_lines(IMPACT)
    spent = replace(slo, breach_probability=1.0, breach_before=1.0)
    assert (
        f"{line}4.8 h [1.6 h-14.4 h], P(breach) 100% (exhausts its budget without this change) via cart -> frontend"
        in impact_lines(replace(IMPACT, slos=(spent,)))
    )

"""report/text: the terminal report and its escaping of untrusted names."""

from __future__ import annotations

from preflight.models import Aspect, ChangeKind
from preflight.report.text import changes_text, check_text, function_line
from tests.report.test_report import fn, result, sample


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

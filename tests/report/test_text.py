"""report/text: the terminal report and its escaping of untrusted names."""

from __future__ import annotations

from preflight.models import Aspect, ChangeKind
from preflight.report.text import check_text
from tests.report.test_report import fn, result


def test_hostile_names_are_inert_in_text() -> None:
    out = check_text(
        result((fn("\x1b[2Jevil\u202e", ChangeKind.MODIFIED, (Aspect.BODY,)),), None, None), color=True
    )
    assert "\x1b[2J" not in out and "\u202e" not in out
    assert "\\x1b[2Jevil\\u202e" in out
    assert "\x1b[31mFAIL" not in out and out.startswith("\x1b[32mPASS\x1b[0m")

"""The verdict label every report shows: one word, coloured only when asked."""

from __future__ import annotations

import pytest

from preflight.models import VERDICTS, Verdict
from preflight.report.verdict import label


@pytest.mark.parametrize(("verdict", "code"), [("pass", 32), ("warn", 33), ("fail", 31)])
def test_the_label_is_the_word_in_upper_case_and_its_colour_when_asked(verdict: Verdict, code: int) -> None:
    assert label(verdict) == verdict.upper()
    assert label(verdict, color=True) == f"\033[{code}m{verdict.upper()}\033[0m"


def test_the_labels_follow_the_verdicts_of_models() -> None:
    assert [label(v) for v in VERDICTS] == ["PASS", "WARN", "FAIL"]

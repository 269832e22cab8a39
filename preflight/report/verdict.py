"""The verdict as the reports show it: one word, upper case, coloured in a terminal when asked."""

from __future__ import annotations

from preflight.models import Verdict

ANSI = {"pass": 32, "warn": 33, "fail": 31}
"""ANSI colour code of each verdict: green, yellow, red."""


def label(verdict: Verdict, color: bool = False) -> str:
    """PASS, WARN or FAIL; wrapped in its ANSI colour when color is true."""
    word = verdict.upper()
    return f"\033[{ANSI[verdict]}m{word}\033[0m" if color else word

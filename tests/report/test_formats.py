"""report/formats: every format a check result renders to, by name."""

from __future__ import annotations

import json

from preflight.report.compact import check_compact
from preflight.report.document import check_document
from preflight.report.formats import RENDERERS, render
from preflight.report.markdown import render_check
from preflight.report.text import check_text
from tests.report.test_report import sample


def test_every_format_check_offers() -> None:
    assert set(RENDERERS) == {"markdown", "json", "text", "compact"}


def test_each_format_is_its_renderers_output() -> None:
    result = sample()
    assert render(result, "markdown") == render_check(result)
    assert json.loads(render(result, "json")) == json.loads(json.dumps(check_document(result)))
    assert render(result, "text") == check_text(result)
    assert render(result, "compact", color=True) == check_compact(result, True)


def test_colour_only_where_the_format_has_it() -> None:
    result = sample()
    assert "\x1b[" in render(result, "text", color=True)
    assert "\x1b[" not in render(result, "text")
    assert render(result, "json", color=True) == render(result, "json")
    assert render(result, "markdown", color=True) == render(result, "markdown")

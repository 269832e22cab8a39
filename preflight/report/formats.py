"""Every format a check result renders to: a table of format name -> renderer."""

from __future__ import annotations

from collections.abc import Callable

from preflight.models import CheckResult
from preflight.report import document, text

Renderer = Callable[[CheckResult, bool], str]
"""Renders one check result; the flag asks for terminal colors (formats without them ignore it)."""


def _json(result: CheckResult, color: bool) -> str:
    return document.dumps(document.check_document(result))


def _compact(result: CheckResult, color: bool) -> str:
    from preflight.report import compact  # the pre-push hook's few lines

    return compact.check_compact(result, color)


def _markdown(result: CheckResult, color: bool) -> str:
    from preflight.report import markdown  # jinja2: only when rendering Markdown (the hook never does)

    return markdown.render_check(result)


RENDERERS: dict[str, Renderer] = {
    "markdown": _markdown,
    "json": _json,
    "text": text.check_text,
    "compact": _compact,
}
"""Format name (check --format) -> renderer."""


def render(result: CheckResult, fmt: str, color: bool = False) -> str:
    """A check result in one of the RENDERERS' formats."""
    return RENDERERS[fmt](result, color)

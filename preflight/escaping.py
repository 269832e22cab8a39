"""Make untrusted text (paths, names, telemetry) inert in a terminal, a CI log, HTML or GitHub Markdown.

The one place that decides which characters are escaped: every text renderer, the HTML
digest, the CLI's error messages and files.py's go through it (the report imports it as
preflight.report.escaping).
"""

from __future__ import annotations

import html
import re

MAX_FIELD = 200
# C0 (tab, newline and carriage return included: inside a value they would start a new log
# line, which a GitHub Actions runner reads as a `::error::` workflow command), DEL and C1,
# zero-width and direction marks, bidi embeddings, overrides and isolates, the Arabic letter
# mark, the Unicode line and paragraph separators, and the byte order mark.
_UNICODE_CONTROLS = r"\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
_CONTROL = re.compile(rf"[\x00-\x1f{_UNICODE_CONTROLS}]")
# The same but newline and tab: for a rendered document whose line breaks are its own.
_CONTROL_IN_LINES = re.compile(rf"[\x00-\x08\x0b-\x1f{_UNICODE_CONTROLS}]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")
_WORD_JOINER = "\u2060"


def _visible(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def terminal(text: str) -> str:
    """One value on one line: every control, bidi and line-breaking character as a visible escape.

    `x\\n::error::` stays on the line it was put in, ESC cannot drive the terminal, and
    U+202E cannot reverse what a reviewer reads.
    """
    return _CONTROL.sub(_visible, text)


def lines(text: str) -> str:
    """A rendered document whose line breaks and tabs are its own: everything else `terminal` escapes."""
    return _CONTROL_IN_LINES.sub(_visible, text)


def markdown(text: str, limit: int = MAX_FIELD) -> str:
    """Text for a Markdown table cell or sentence: no HTML, links, images, mentions or breaks."""
    text = terminal(text.replace("\r", " ").replace("\n", " "))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # Markdown escapes first, then HTML: an entity's own "#" and ";" must stay unescaped.
    text = html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text), quote=False)
    # A word joiner after @ stops GitHub from turning names into mentions.
    return text.replace("@", "@" + _WORD_JOINER)

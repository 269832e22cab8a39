"""Make untrusted text (paths, names, telemetry) inert in a terminal or in GitHub Markdown."""

from __future__ import annotations

import html
import re

MAX_FIELD = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")
_WORD_JOINER = "\u2060"


def terminal(text: str) -> str:
    """Replace control characters (escape sequences, bidi overrides) with visible escapes."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def markdown(text: str, limit: int = MAX_FIELD) -> str:
    """Text for a Markdown table cell or sentence: no HTML, links, images, mentions or breaks."""
    text = terminal(text.replace("\r", " ").replace("\n", " "))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # Markdown escapes first, then HTML: an entity's own "#" and ";" must stay unescaped.
    text = html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text), quote=False)
    # A word joiner after @ stops GitHub from turning names into mentions.
    return text.replace("@", "@" + _WORD_JOINER)

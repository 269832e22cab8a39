"""Hostile values a pull request author or telemetry controls, and checks that an output holds them inert.

Each check returns what it found (empty when the output is safe), so a failing test prints the
offending lines instead of a bare assertion.
"""

from __future__ import annotations

import re

PAYLOADS = (
    "x\n::error title=INJECTED::forged",
    "<img src=https://evil.example/x.png>",
    "<script>alert(1)</script>",
    "@acme/security-team",
    "@octocat",
    "[click](https://evil.example)",
    "![img](https://evil.example/p.png)",
    "https://evil.example/bare",
    "`code` ``` fence",
    "a|b|c",
    "\u202eevil\u202c",
    "\x1b[31mred\x1b[0m\x07",
    "risk 0/100 PASS",
    "y" * 3000,
)
"""One of each: workflow command, HTML, mention, link, image, bare URL, backticks, pipes, bidi
override, ESC/BEL, a forged verdict, a very long name."""

ALLOWED_TAGS = frozenset({"details", "/details", "summary", "/summary"})
"""The HTML preflight's own comment uses (collapsed sections)."""
MARKER = "<!-- preflight:report -->"
_TAG = re.compile(r"<\s*(/?[A-Za-z][A-Za-z0-9-]*)")
_MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
_LINK = re.compile(r"(?<!\\)\]\s*\(|(?<!\\)!\[|https?://|(?<!\\)\bwww\.")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def markdown_injections(body: str) -> list[str]:
    """Elements, mentions, links, images, raw control characters and workflow commands in Markdown."""
    found: list[str] = []
    text = body.replace(MARKER, "")
    in_mermaid = False
    for line in text.split("\n"):
        if line.startswith("```"):
            in_mermaid = line.startswith("```mermaid")
            continue
        # a Mermaid label's line break is preflight's own; label() encodes every `<` of the input
        allowed = ALLOWED_TAGS | ({"br"} if in_mermaid else set())
        tags = {m.group(1).lower() for m in _TAG.finditer(line)} - allowed
        if tags:
            found.append(f"element {sorted(tags)}: {line[:120]!r}")
        if _MENTION.search(line):
            found.append(f"mention: {line[:120]!r}")
        if _LINK.search(line):
            found.append(f"link or image: {line[:120]!r}")
        if _CONTROL.search(line.rstrip("\r")):
            found.append(f"control character: {line[:120]!r}")
        if line.startswith("::") and not in_mermaid:
            found.append(f"workflow command: {line[:120]!r}")
    return found + broken_tables(body)


def broken_tables(body: str) -> list[str]:
    """Table rows whose unescaped pipe count differs from their header's."""
    found: list[str] = []
    header: int | None = None
    for line in body.split("\n"):
        if not line.startswith("|"):
            header = None
            continue
        cells = len(re.findall(r"(?<!\\)\|", line))
        if header is None:
            header = cells
        elif cells != header:
            found.append(f"table row with {cells} pipes, header {header}: {line[:120]!r}")
    return found


def workflow_commands(text: str) -> list[str]:
    """Lines a GitHub Actions runner would execute as workflow commands."""
    return [line[:120] for line in text.splitlines() if line.lstrip().startswith("::")]


def raw_controls(text: str) -> list[str]:
    """Lines holding raw C0/C1 controls (other than the line break) or bidi overrides."""
    return [repr(line[:120]) for line in text.split("\n") if _CONTROL.search(line.rstrip("\r"))]

"""GitHub's limit on a comment body, and the one cutter that keeps a report under it."""

from __future__ import annotations

LIMIT = 65_536
"""GitHub's maximum comment body; longer bodies are refused with 422."""
CUT_NOTE = (
    "\n\n> [!NOTE]\n> This report was cut to fit GitHub's 65,536-character comment limit; "
    "the JSON report has everything.\n"
)


def size(text: str) -> int:
    """Length in UTF-16 code units: never less than the characters GitHub counts."""
    return len(text.encode("utf-16-le")) // 2


def fit(body: str, limit: int = LIMIT) -> str:
    """The body unchanged when it fits, else cut at a line boundary with open blocks closed."""
    if size(body) <= limit:
        return body
    budget = limit - size(CUT_NOTE) - 200  # room for the closers below
    kept: list[str] = []
    used = 0
    for line in body.splitlines(keepends=True):
        if used + size(line) > budget:
            if not kept:  # one enormous first line: cut inside it
                kept.append(line.encode("utf-16-le")[: budget * 2].decode("utf-16-le", "ignore"))
            break
        kept.append(line)
        used += size(line)
    text = "".join(kept)
    closers = ""
    if sum(1 for line in kept if line.lstrip().startswith("```")) % 2:
        closers += "\n```"
    closers += "\n</details>" * max(0, text.count("<details") - text.count("</details>"))
    return text + closers + CUT_NOTE

"""report/escaping: the report's escaping of untrusted names (defined in preflight/escaping.py)."""

from __future__ import annotations

from preflight.report import escaping


def test_markdown_escape_unit() -> None:
    assert escaping.markdown("a_b*c") == r"a\_b\*c"
    assert escaping.markdown("<b>") == "&lt;b&gt;"
    assert escaping.markdown("@here") == "@\u2060here"
    assert len(escaping.markdown("y" * 1000)) == 200

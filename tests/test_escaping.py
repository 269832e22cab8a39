"""Untrusted text made inert for a terminal, a CI log, and GitHub Markdown."""

from __future__ import annotations

from preflight import escaping


def test_terminal_keeps_one_value_on_one_line() -> None:
    assert escaping.terminal("x\n::error::boom") == "x\\n::error::boom"
    assert escaping.terminal("\x1b[31mred") == "\\x1b[31mred"
    assert escaping.terminal("abc\u202edef") == "abc\\u202edef"
    assert escaping.terminal("plain/path.py") == "plain/path.py"


def test_lines_keeps_the_documents_own_breaks_and_tabs() -> None:
    assert escaping.lines("a\n\tb\x1b") == "a\n\tb\\x1b"


def test_markdown_escapes_syntax_html_and_mentions() -> None:
    assert escaping.markdown("[x](http://e) <b>") == "\\[x\\]\\(http\\:\\/\\/e\\) &lt;b&gt;".replace(
        "\\/", "/"
    )
    assert escaping.markdown("@octocat") == "@\u2060octocat"
    assert escaping.markdown("a\nb") == "a b"


def test_markdown_cuts_long_text_at_the_limit() -> None:
    cut = escaping.markdown("a" * 300, limit=10)
    assert cut == "a" * 9 + "…"

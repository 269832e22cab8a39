"""report/limit: GitHub's comment limit and the cutter that keeps a report under it."""

from __future__ import annotations


def test_the_last_resort_cut_closes_open_blocks() -> None:
    from preflight.report.limit import CUT_NOTE, LIMIT, fit, size

    text = "<details>\n```mermaid\n" + "a line of the diagram\n" * 5000
    cut = fit(text)
    assert size(cut) <= LIMIT and cut.count("```") == 2 and cut.count("</details>") == 1
    assert cut.endswith(CUT_NOTE)

"""report/limit: GitHub's comment limit and the cutter that keeps a report under it."""

from __future__ import annotations


def test_the_last_resort_cut_closes_open_blocks() -> None:
    from preflight.report.limit import CUT_NOTE, LIMIT, fit, size

    text = "<details>\n```mermaid\n" + "a line of the diagram\n" * 5000
    cut = fit(text)
    assert size(cut) <= LIMIT and cut.count("```") == 2 and cut.count("</details>") == 1
    assert cut.endswith(CUT_NOTE)


def test_size_counts_utf16_code_units() -> None:
    from preflight.report.limit import size

    assert size("abc") == 3
    assert size("é") == 1
    assert size("🟢") == 2  # outside the basic plane: a surrogate pair, as GitHub counts it


def test_a_body_that_fits_is_unchanged() -> None:
    from preflight.report.limit import fit

    body = "<details>\n```\nnot closed on purpose\n"
    assert fit(body) is body
    assert fit("x" * 100, limit=100) == "x" * 100


def test_a_cut_ends_at_a_line_boundary_under_the_limit() -> None:
    from preflight.report.limit import CUT_NOTE, fit, size

    lines = [f"line {n}\n" for n in range(2000)]
    cut = fit("".join(lines), limit=4000)
    kept = cut.removesuffix(CUT_NOTE)
    assert size(cut) <= 4000 and cut.endswith(CUT_NOTE)
    assert kept and "".join(lines).startswith(kept) and kept.endswith("\n")


def test_one_huge_line_is_cut_inside_without_splitting_a_character() -> None:
    from preflight.report.limit import CUT_NOTE, fit, size

    cut = fit("🟢" * 5000, limit=2000)
    assert size(cut) <= 2000 and cut.endswith(CUT_NOTE)
    assert set(cut.removesuffix(CUT_NOTE)) == {"🟢"}

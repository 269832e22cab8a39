"""The user docs stay true and whole: the generated reference is current, the README short and
linked, the comment and the workflow it shows real, every page in the site's nav, every page a
message cites there, and no internal work items named."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from preflight.cli import cli
from preflight.runtime.schema import TABLES
from scripts import docs

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
WORK_ITEM = re.compile(
    r"\b(?:issues?|stops?|items?|points?|builds?)\s+\d+(?:\s+(?:points?|items?)\s+\d+)?\b|(?<![\w(&/])#\d+\b",
    re.IGNORECASE,
)
"""An internal work item: "issue 16", "issue 8 point 4", "stop 25", "#17" (a GitHub "(#2799)" in an
example subject, or an HTML entity, is not one)."""
LINK = re.compile(r"\]\(([^)\s]+)\)")
CITED = re.compile(r"\bdocs/([\w/.-]+\.md)(?:#([\w-]+))?")
"""A docs page (and anchor) named in a message, a docstring or a comment: docs/gate.md#rules."""
EXAMPLE_WORKFLOW = ROOT / "examples" / "workflows" / "preflight.yml"


def user_docs() -> list[Path]:
    """The README and every page of the docs site."""
    return [README, *sorted(DOCS.rglob("*.md"))]


def test_generated_parts_are_current() -> None:
    stale = [
        page.name
        for page, render in docs.PAGES.items()
        if render(page.read_text("utf-8")) != page.read_text("utf-8")
    ]
    assert stale == [], "the docs' generated parts are stale: run `python scripts/docs.py`"


def test_cli_reference_has_every_command_and_subcommand() -> None:
    page = docs.CLI_PAGE.read_text(encoding="utf-8")
    titles = set(re.findall(r"^### `(preflight[^`]*)`$", page, flags=re.M))
    assert titles == {"preflight", *(" ".join(("preflight", *path)) for path in docs.command_paths(cli))}
    assert {"preflight hook run", "preflight check", "preflight init"} <= titles


def test_schema_page_has_every_table() -> None:
    page = docs.SCHEMA_PAGE.read_text(encoding="utf-8")
    assert set(re.findall(r"<!-- schema:(\S+) -->", page)) == set(TABLES)


def test_the_check_notices_a_stale_reference() -> None:
    stale = "before\n<!-- commands -->\nold help\n<!-- /commands -->\nafter\n"
    fresh = docs.render_cli(stale)
    assert fresh != stale and fresh.startswith("before\n") and fresh.endswith("after\n")
    assert "### `preflight check`" in fresh and docs.render_cli(fresh) == fresh


def test_readme_is_a_page_not_a_manual() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) < 300
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text  # .ci/run runs `make test`
    assert "preflight-risk-gate" in text and "not on PyPI yet" in text


def test_readme_links_resolve() -> None:
    targets = [t for t in LINK.findall(README.read_text(encoding="utf-8")) if "://" not in t]
    assert len(targets) > 20
    assert [t for t in targets if not (ROOT / t.split("#")[0]).is_file()] == []


def test_the_comment_shown_is_a_real_one() -> None:
    """Every line of the README's and the docs' excerpt is in the demo scenario's golden comment."""
    comment = set((ROOT / "tests" / "golden" / "check-snapshot.md").read_text(encoding="utf-8").splitlines())
    for page in (README, DOCS / "comment.md"):
        quoted = [
            line[1:].strip() for line in page.read_text(encoding="utf-8").splitlines() if line.startswith(">")
        ]
        quoted = [line for line in quoted if line]
        assert len(quoted) > 15, page
        assert [line for line in quoted if line not in comment] == [], page


def test_the_workflow_shown_is_the_example() -> None:
    """The README and the GitHub Actions page show examples/workflows/preflight.yml, comments aside."""
    lines = EXAMPLE_WORKFLOW.read_text(encoding="utf-8").splitlines(keepends=True)
    example = "".join(lines[next(i for i, line in enumerate(lines) if not line.startswith("#")) :])
    for page in (README, DOCS / "github-actions.md"):
        blocks = re.findall(r"^```yaml\n(.*?)^```$", page.read_text(encoding="utf-8"), flags=re.M | re.S)
        shown = [block for block in blocks if "pip install preflight-risk-gate" in block]
        assert shown == [example], page


def anchors(page: Path) -> set[str]:
    """The ids mkdocs gives the page's headings (Python-Markdown's toc slugify)."""
    prose = re.sub(r"^```.*?^```$", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    titles = re.findall(r"^#+ (.+)$", prose, flags=re.M)
    plain = (re.sub(r"[^\w\s-]", "", title.replace("`", "")).strip().lower() for title in titles)
    return {re.sub(r"[-\s]+", "-", title) for title in plain}


def test_pages_cited_outside_the_docs_exist() -> None:
    """Messages and docstrings cite docs pages by path (users have no README section to look up)."""
    sources = [
        *sorted((ROOT / "preflight").rglob("*.py")),
        *sorted((ROOT / "tests" / "golden").iterdir()),
        *sorted((ROOT / "examples" / "workflows").glob("*.yml")),
        ROOT / ".pre-commit-hooks.yaml",
    ]
    cited = {
        (source.relative_to(ROOT).as_posix(), match.group(1), match.group(2))
        for source in sources
        if source.is_file()
        for match in CITED.finditer(source.read_text(encoding="utf-8"))
    }
    assert len({page for _, page, _ in cited}) >= 5
    missing = [
        (source, page, anchor)
        for source, page, anchor in sorted(cited, key=str)
        if not (DOCS / page).is_file() or (anchor and anchor not in anchors(DOCS / page))
    ]
    assert missing == []


def test_anchors_are_mkdocs_ids() -> None:
    assert {"output-files", "preflight-hook-run", "pull-requests-from-forks", "in-preflight-check"} <= (
        anchors(DOCS / "reference" / "cli.md")
        | anchors(DOCS / "github-actions.md")
        | anchors(DOCS / "callgraph.md")
    )


def test_every_page_is_in_the_nav() -> None:
    def pages(nav: object) -> list[str]:
        if isinstance(nav, str):
            return [nav]
        if isinstance(nav, list):
            return [p for item in nav for p in pages(item)]
        if isinstance(nav, dict):
            return [p for value in nav.values() for p in pages(value)]
        return []

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = pages(config["nav"])
    assert sorted(listed) == sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert config["strict"] is True
    assert set(config["validation"].values()) == {"warn"}  # strict turns each into a failure


def test_no_internal_work_items_in_user_docs() -> None:
    found = [
        f"{page.relative_to(ROOT)}:{number}: {match.group(0)}"
        for page in user_docs()
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        for match in WORK_ITEM.finditer(line)
    ]
    assert found == []


def test_the_work_item_pattern() -> None:
    hits = "issue 16 · Issue 8 point 4 · stop 25 · items 1 · #17 · (see #3)"
    assert [m.group(0) for m in WORK_ITEM.finditer(hits)] == [
        "issue 16",
        "Issue 8 point 4",
        "stop 25",
        "items 1",
        "#17",
        "#3",
    ]
    assert (
        WORK_ITEM.findall("Merge stable into main (#2799) · &#8203; · 6 of 6 faults · 3 points short") == []
    )

"""The digest rendered: Markdown and HTML with hostile names made inert, JSON, plot geometry."""

from __future__ import annotations

import html.parser
import json
import re

from preflight.digest import Digest, plots, render
from tests.digest import release

PAGE_TAGS = {
    *("html", "head", "meta", "title", "style", "body", "header", "footer", "section", "div", "p"),
    *("h1", "h2", "b", "i", "span", "code", "table", "tr", "th", "td"),
    *("svg", "defs", "marker", "path", "line", "rect", "text", "g"),
}
"""Every element the page template writes: anything else was smuggled in through a name."""


class Tags(html.parser.HTMLParser):
    """Start tags and attribute names, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)


def test_html_escapes_hostile_titles_names_and_services(shop_digest: Digest) -> None:
    page = render.html(shop_digest)
    parsed = Tags()
    parsed.feed(page)
    assert set(parsed.tags) <= PAGE_TAGS
    assert not any(name.startswith("on") for name in parsed.attributes)  # no event handlers
    assert "<script" not in page.lower() and "<img" not in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &#34;quotes&#34; &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "shop.x&lt;img src=x onerror=alert(2)&gt;.run" in page  # a function in a hostile file
    assert "pay&#34;&lt;b&gt;svc&lt;/b&gt;" in page  # a hostile service name, in the graph
    assert "Tweak &lt;i&gt;run&lt;/i&gt;" in page


def test_html_is_self_contained(shop_digest: Digest) -> None:
    page = render.html(shop_digest)
    assert page.startswith("<!DOCTYPE html>")
    assert "default-src 'none'; style-src 'unsafe-inline'; img-src data:" in page  # no script, no fetch
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"] * 3  # namespaces
    assert not re.search(r"\b(src|href)=", page.replace("src=x onerror", ""))
    assert re.findall(r"url\(([^)]*)\)", page) == ["#arrow"] * len(plots.service_graph(shop_digest).edges)  # type: ignore[union-attr]
    for plot in ('id="risk-chart"', 'id="traffic-chart"', 'id="service-graph"'):
        assert plot in page


def test_markdown_has_no_html(shop_digest: Digest) -> None:
    text = render.markdown(shop_digest)
    assert "<" not in text
    assert (
        '| #11 | &lt;b&gt;bold&lt;/b&gt; &amp; "quotes" &lt;script&gt;alert\\(1\\)&lt;/script&gt; |' in text
    )
    assert "| shop\\.x&lt;img src=x onerror=alert\\(2\\)&gt;\\.run | unknown | unknown |" in text
    assert "### SLOs at risk" in text and "| checkout\\-availability | checkout | 10% |" in text


def test_json_document_round_trips(shop_digest: Digest) -> None:
    doc = json.loads(render.dumps(shop_digest))
    assert doc["changes"][0]["title"] == release.HOSTILE  # raw in JSON: escaping is the reader's
    assert doc["totals"]["changes"] == len(shop_digest.changes) == 5
    assert doc["changes"][0]["check"]["schema_version"] == 1

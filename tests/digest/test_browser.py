"""The HTML digest in a real headless browser (Debian's chromium): the plots render.

The set-up installs chromium with apt-get when it is missing and the tests run as root; where
it cannot be installed the tests are skipped, saying why. The browser never touches the
network: every host name resolves to nothing, and the page itself forbids any fetch.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from preflight.digest import Digest, plots, render

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n')
MEASURE = """<script>
const found = {scripts: document.scripts.length, images: document.images.length, plots: {}};
for (const svg of document.querySelectorAll("svg.plot")) {
  const box = svg.getBoundingClientRect();
  const drawn = [...svg.querySelectorAll("rect, path")].filter((shape) => {
    const b = shape.getBBox();
    const area = shape.tagName === "path" ? b.width + b.height > 0 : b.width > 0 && b.height > 0;
    return area && !shape.closest("defs");  // a straight call is a path of height 0
  });
  found.plots[svg.id] = {width: box.width, height: box.height, shapes: drawn.length,
                         texts: svg.querySelectorAll("text").length};
}
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(found);
document.body.appendChild(out);
</script>
"""
"""Added to the test's copy only (whose Content-Security-Policy is removed so that it may run):
the page itself has no script and works without one."""


def _find() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


@pytest.fixture(scope="session")
def chromium() -> str:
    """A headless-capable chromium, installed with apt-get when missing (as root)."""
    found = _find()
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("chromium is not installed and cannot be installed here (needs apt-get as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:  # stale package lists: refresh them once
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600)
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200)
    found = _find()
    if found is None:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"chromium could not be installed with apt-get: {reason}")
    return found


def browse(chromium: str, tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless chromium on a local file, offline, with a throwaway profile."""
    command = [
        chromium,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",  # root in a container has no user namespaces for the sandbox
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        "--disable-sync",
        "--disable-background-networking",
        "--disable-component-update",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_plots_render_with_sizes(chromium: str, shop_digest: Digest, tmp_path: Path) -> None:
    measured = tmp_path / "measured.html"
    page = CSP.sub("", render.html(shop_digest), count=1).replace("</body>", MEASURE + "</body>")
    measured.write_text(page, encoding="utf-8")
    dom = browse(chromium, tmp_path, measured, "--dump-dom").stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run: " + dom[-500:]
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    # the only script is the test's own; no image or script was smuggled in through a name
    assert (result["scripts"], result["images"]) == (1, 0)
    sizes = result["plots"]
    assert set(sizes) == {"risk-chart", "traffic-chart", "service-graph"}
    for name, size in sizes.items():
        assert size["width"] > 100 and size["height"] > 40, name
    changes = len(shop_digest.changes)
    assert sizes["risk-chart"]["shapes"] == changes and sizes["risk-chart"]["texts"] >= 2 * changes
    assert sizes["traffic-chart"]["shapes"] == 2  # cart and checkout carry the traffic
    graph = plots.service_graph(shop_digest)
    assert graph is not None
    assert sizes["service-graph"]["shapes"] == len(graph.nodes) + len(graph.edges)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text, never run


def test_screenshot_of_the_page_as_shipped_is_not_blank(
    chromium: str, shop_digest: Digest, tmp_path: Path
) -> None:
    from PIL import Image

    page = tmp_path / "digest.html"
    # The page as shipped: its Content-Security-Policy lets no script run. (Chromium's own
    # --blink-settings=scriptEnabled=false also stops headless --screenshot from writing a file.)
    page.write_text(render.html(shop_digest), encoding="utf-8")
    shot = tmp_path / "digest.png"
    browse(chromium, tmp_path, page, f"--screenshot={shot}", "--window-size=1200,1800", "--hide-scrollbars")
    with Image.open(shot) as image:
        pixels = image.convert("RGB")
        assert pixels.size == (1200, 1800)
        colours = pixels.getcolors(maxcolors=1 << 20)
    assert colours is not None
    painted = sum(count for count, colour in colours if colour != (255, 255, 255))
    assert painted > 0.03 * 1200 * 1800, f"only {painted} non-white pixels"
    present = {colour for _, colour in colours}
    for level in {change.result.risk.level for change in shop_digest.changes}:
        fill = plots.FILL[level]
        rgb = tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in present, f"no bar painted in the {level} colour {fill}"

"""The release digest (`preflight report A..B`): every change merged in a range, scored as `check`
scores it with what was known at its parent, then summarized (hot functions, SLOs at risk,
traffic per service, totals) and rendered as Markdown, a self-contained HTML page or JSON.

- contents: the values a digest holds (the merged changes, scored, and the summaries);
- history: the changes on the first-parent line of a range (merges, squash merges, commits),
  and the merges of other long-lived branches (forward-ports), which are listed, not scored;
- summary: the digest values from the scored changes (pure);
- plots: the geometry of the HTML page's inline SVG plots (pure; networkx for the layout);
- render: Markdown, HTML (jinja2, autoescaped) and JSON.
"""

from __future__ import annotations

from preflight.digest.contents import (
    Digest,
    HotFunction,
    Merged,
    ScoredChange,
    ServiceTraffic,
    SloRisk,
    Totals,
)

__all__ = ["Digest", "HotFunction", "Merged", "ScoredChange", "ServiceTraffic", "SloRisk", "Totals"]

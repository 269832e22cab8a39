"""`preflight demo`: a real repository, real commits, the whole check."""

from __future__ import annotations

import io
import json
from pathlib import Path

from preflight.commands import demo


def test_demo_builds_a_repository_and_reports(tmp_path: Path) -> None:
    out = io.StringIO()
    assert demo.run(tmp_path, out) == 0
    text = out.getvalue()
    assert "~ modified shop.pricing.apply_discount [body]" in text
    assert "~ modified shop.cart.Cart.add [signature, body]" in text
    assert ". cosmetic shop.pricing.with_tax" in text
    assert "> renamed  shop.pricing.render_price (was shop.pricing.format_price)" in text
    assert (
        "+ added    shop.pricing.loyalty_points  src/shop/pricing.py:22  +2 -0  calls ~42,000/min inferred"
        in text
    )
    assert (
        "reached from POST /cart/total: shop.api.get_cart -> shop.cart.Cart.total -> shop.pricing.loyalty_points"
        in text
    )
    assert "unknown: no runtime data for shop.pricing.loyalty_points; 42,000 calls/min inferred" in text
    assert "the gate would fail (exit 1)" in text
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["decision"]["passed"] is False
    assert (tmp_path / "report.md").read_text(encoding="utf-8").startswith("<!-- preflight:report -->")
    assert (tmp_path / "shop" / ".git").is_dir()

"""`preflight demo`: build a small shop repository with real commits and check the last change."""

from __future__ import annotations

import datetime
import tempfile
import textwrap
from pathlib import Path
from typing import TextIO

from preflight import exposure, pipeline
from preflight.changes.revisions import resolve
from preflight.commands.check import change_likelihood, code_reach, render, write_atomic
from preflight.config import Config
from preflight.models import CheckResult
from preflight.repository import Repository, init_repository

BASE = {
    "src/shop/__init__.py": '"""A tiny shop used by the preflight demo."""\n',
    "src/shop/pricing.py": '''
        """Prices, discounts and taxes."""

        TAX_RATE = 0.2


        def apply_discount(price, percent):
            """Price after a percentage discount."""
            return round(price * (1 - percent / 100), 2)


        def with_tax(price):
            return round(price * (1 + TAX_RATE), 2)


        def format_price(amount, currency="EUR"):
            return f"{amount:.2f} {currency}"
        ''',
    "src/shop/cart.py": '''
        """The shopping cart."""

        from shop.pricing import apply_discount, with_tax


        class Cart:
            def __init__(self):
                self.items = []

            def add(self, sku, price, quantity=1):
                self.items.append((sku, price, quantity))

            def total(self, discount=0):
                subtotal = sum(price * quantity for _, price, quantity in self.items)
                return with_tax(apply_discount(subtotal, discount))
        ''',
    "src/shop/api.py": '''
        """HTTP handlers (Flask)."""

        from flask import Flask, jsonify, request

        from shop.cart import Cart

        app = Flask(__name__)


        @app.post("/cart/total")
        def get_cart():
            cart = Cart()
            for sku, price in request.json["items"]:
                cart.add(sku, price)
            return jsonify(total=cart.total(request.json.get("discount", 0)))


        @app.get("/health")
        def health():
            return {"ok": True}
        ''',
}

# One pull request: a behaviour change in the hottest function, a signature change,
# a comment-only edit, a renamed helper and a brand-new function with no traffic of its own
# yet, called from the hot cart total (so its traffic is inferred from that caller).
CHANGE = {
    "src/shop/pricing.py": '''
        """Prices, discounts and taxes."""

        TAX_RATE = 0.2


        def apply_discount(price, percent):
            """Price after a percentage discount."""
            if percent > 50:
                percent = 50  # never more than half off
            return round(price * (1 - percent / 100), 2)


        def with_tax(price):
            # VAT applies to every order
            return round(price * (1 + TAX_RATE), 2)


        def render_price(amount, currency="EUR"):
            return f"{amount:.2f} {currency}"


        def loyalty_points(total):
            return int(total // 10)
        ''',
    "src/shop/cart.py": '''
        """The shopping cart."""

        from shop.pricing import apply_discount, loyalty_points, with_tax


        class Cart:
            def __init__(self):
                self.items = []

            def add(self, sku, price, quantity=1, gift=False):
                self.items.append((sku, price, quantity, gift))

            def total(self, discount=0):
                subtotal = sum(price * quantity for _, price, quantity, _ in self.items)
                total = with_tax(apply_discount(subtotal, discount))
                self.points = loyalty_points(total)
                return total
        ''',
}

CALLS = """qualname,calls_per_min
shop.pricing.apply_discount,42000
shop.pricing.with_tax,42000
shop.pricing.format_price,300
shop.cart.Cart.add,61000
shop.cart.Cart.total,42000
shop.api.get_cart,42000
shop.api.health,600
"""
FAIL_ABOVE = 40


def build(root: Path) -> Repository:
    """Create the example repository with two commits: the base and the pull request."""
    repo = init_repository(root)
    _write(root, BASE)
    repo.commit_all("shop: first version")
    repo.switch_new_branch("feature/discount-cap")
    _write(root, CHANGE)
    repo.commit_all("pricing: cap discounts at 50%, gift flag on cart items")
    return repo


def _write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def run(output_dir: Path | None, out: TextIO) -> int:
    """Build the example, run `check` on it and print the result; exits 0 (it is a demo)."""
    root = Path(output_dir) if output_dir else Path(tempfile.mkdtemp(prefix="preflight-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    repo_dir = root / "shop"
    calls = root / "calls.csv"
    calls.write_text(CALLS, encoding="utf-8")
    with build(repo_dir) as repo:
        revisions = resolve(repo, "main", "HEAD", {})
        runtime = exposure.load(calls)
        now = datetime.datetime.now(datetime.timezone.utc)
        likely = change_likelihood(repo, revisions.merge_base)
        reach = code_reach(repo, Config(), runtime)
        result = pipeline.check(repo, revisions, runtime, FAIL_ABOVE, now, reach, likely=likely)
    _print(result, root, out)
    return 0


def _print(result: CheckResult, root: Path, out: TextIO) -> None:
    markdown_path, json_path = root / "report.md", root / "report.json"
    write_atomic(markdown_path, render(result, "markdown"))
    write_atomic(json_path, render(result, "json"))
    out.write(f"Example repository: {root / 'shop'} (branch feature/discount-cap vs main)\n")
    out.write(f"Runtime data: {root / 'calls.csv'}\n\n")
    out.write(render(result, "text"))
    gate = "pass" if result.decision.passed else "fail"
    out.write(
        f"\nWith --fail-above {FAIL_ABOVE} the gate would {gate} "
        f"(exit {0 if result.decision.passed else 1}).\n"
        f"Markdown report (the PR comment): {markdown_path}\nJSON report: {json_path}\n"
        f"Try it yourself: preflight check --repo {root / 'shop'} --base main --calls {root / 'calls.csv'}\n"
    )

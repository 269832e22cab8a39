"""Write the scenario patches: `python examples/shop/scenarios/make.py`.

Each scenario is a few exact text edits to the example (or a new file). The edits
are made in a throw-away git repository holding the example at its root, and
`git diff` there is the patch, so every patch applies with `git apply` to the
example as it is now. Rerun after changing the code a scenario edits.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "scenarios"
Edit = tuple[str, "str | None", str]
"""(path, old text or None to write a new file, new text)."""


def scenario(name: str, edits: list[Edit]) -> None:
    """Write scenarios/<name>.patch: the edits, as a diff against the example."""
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch)
        shutil.copytree(ROOT / "shop", repo / "shop", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "README.md", repo / "README.md")
        git = ["git", "-C", str(repo), "-c", "user.name=shop", "-c", "user.email=shop@example.com"]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "."], check=True)
        subprocess.run([*git, "commit", "-qm", "base"], check=True)
        for path, old, new in edits:
            target = repo / path
            if old is None:
                target.write_text(new)
                continue
            text = target.read_text()
            if text.count(old) != 1:
                sys.exit(f"{name}: the text to replace is not in {path} exactly once; update make.py")
            target.write_text(text.replace(old, new))
        subprocess.run([*git, "add", "--intent-to-add", "."], check=True)
        diff = subprocess.run([*git, "diff"], check=True, capture_output=True, text=True).stdout
    (OUT / f"{name}.patch").write_text(diff)


DOCS_ONLY: list[Edit] = [
    (
        "README.md",
        "## SLOs\n",
        "## Troubleshooting\n\nA service that does not start within a few seconds usually lost its port to\n"
        "another process between the port check and the bind: run `load.py` again.\n\n## SLOs\n",
    )
]
RARE_FUNCTION: list[Edit] = [
    (
        "shop/ad.py",
        '''def get_random_ads(count: int) -> list[dict[str, str]]:
    """Ads for a page with no context."""
    return random.sample(list(ADS.values()), count)''',
        '''def get_random_ads(count: int) -> list[dict[str, str]]:
    """Ads for a page with no context, never the same category twice."""
    categories = random.sample(sorted(ADS), min(count, len(ADS)))
    return [ADS[category] for category in categories]''',
    )
]
HOT_CHECKOUT_PATH: list[Edit] = [
    (
        "shop/currency.py",
        """    euros = money.to_float(amount) / EUR_RATES[amount["currency_code"]]
    return money.from_float(to_code, euros * EUR_RATES[to_code])""",
        """    euros = money.to_float(amount) / EUR_RATES[amount["currency_code"]]
    converted = euros * EUR_RATES[to_code]
    # Prices are shown to the cent (to the yen): round like a till does, half up.
    cents = 1 if to_code == "JPY" else 100
    return money.from_float(to_code, int(converted * cents + 0.5) / cents)""",
    )
]
HELPER_SIGNATURE: list[Edit] = [
    (
        "shop/money.py",
        '''def from_float(currency_code: str, amount: float) -> dict[str, Any]:
    """A money value from a decimal amount (rounded to the nano)."""''',
        '''def from_float(amount: float, currency_code: str = "USD") -> dict[str, Any]:
    """A money value from a decimal amount (rounded to the nano); US dollars unless told."""''',
    ),
    (
        "shop/productcatalog.py",
        """money.from_float("USD", product["price_usd"])""",
        """money.from_float(product["price_usd"])""",
    ),
    (
        "shop/currency.py",
        """money.from_float(to_code, euros * EUR_RATES[to_code])""",
        """money.from_float(euros * EUR_RATES[to_code], to_code)""",
    ),
    (
        "shop/shipping.py",
        """money.from_float("USD", BASE_RATE_USD + PER_ITEM_USD * count + international_surcharge(address))""",
        """money.from_float(BASE_RATE_USD + PER_ITEM_USD * count + international_surcharge(address))""",
    ),
]
NEW_MODULE: list[Edit] = [
    (
        "shop/loyalty.py",
        None,
        '''"""loyalty: points for orders (not called by any service yet)."""

from __future__ import annotations

from typing import Any

from shop import money

POINTS_PER_UNIT = 10
TIERS = ((0, "bronze"), (1_000, "silver"), (5_000, "gold"))


def points_for(total: dict[str, Any]) -> int:
    """Loyalty points earned by an order total (in any currency, counted in whole units)."""
    return int(money.to_float(total)) * POINTS_PER_UNIT


def tier(points: int) -> str:
    """The tier a balance of points reaches."""
    reached = "bronze"
    for threshold, name in TIERS:
        if points >= threshold:
            reached = name
    return reached
''',
    )
]
SCENARIOS = {
    "docs-only": DOCS_ONLY,
    "rare-function": RARE_FUNCTION,
    "hot-checkout-path": HOT_CHECKOUT_PATH,
    "helper-signature": HELPER_SIGNATURE,
    "new-module": NEW_MODULE,
}


def main() -> int:
    """Write every scenario's patch."""
    for name, edits in SCENARIOS.items():
        scenario(name, edits)
        print(OUT / f"{name}.patch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

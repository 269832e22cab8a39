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
    # Exact money on the checkout path: Decimal instead of float, and converted prices rounded half
    # up to the currency's smallest unit (cents, whole yen) as a till does. An ordinary pull
    # request in size (two files, about twenty lines), in the function every checkout calls.
    (
        "shop/money.py",
        "from typing import Any\n",
        "from decimal import ROUND_HALF_UP, Decimal\nfrom typing import Any\n",
    ),
    (
        "shop/money.py",
        '''def to_float(money: dict[str, Any]) -> float:
    """The decimal amount of a money value."""
    return float(money["units"]) + float(money["nanos"]) / NANOS
''',
        '''def to_float(money: dict[str, Any]) -> float:
    """The decimal amount of a money value."""
    return float(money["units"]) + float(money["nanos"]) / NANOS


def to_decimal(money: dict[str, Any]) -> Decimal:
    """The exact amount of a money value."""
    return Decimal(money["units"]) + Decimal(money["nanos"]) / NANOS


def from_decimal(currency_code: str, amount: Decimal) -> dict[str, Any]:
    """A money value from an exact amount (rounded half up to the nano)."""
    total = int((amount * NANOS).to_integral_value(rounding=ROUND_HALF_UP))
    return {"currency_code": currency_code, "units": total // NANOS, "nanos": total % NANOS}
''',
    ),
    (
        "shop/currency.py",
        "from typing import Any\n",
        "from decimal import ROUND_HALF_UP, Decimal\nfrom typing import Any\n",
    ),
    (
        "shop/currency.py",
        """EUR_RATES = {
    "EUR": 1.0,
    "USD": 1.1305,
    "JPY": 126.40,
    "GBP": 0.85970,
    "CAD": 1.5128,
    "TRY": 6.1247,
    "CHF": 1.1360,
}
""",
        '''EUR_RATES = {
    "EUR": Decimal("1.0"),
    "USD": Decimal("1.1305"),
    "JPY": Decimal("126.40"),
    "GBP": Decimal("0.85970"),
    "CAD": Decimal("1.5128"),
    "TRY": Decimal("6.1247"),
    "CHF": Decimal("1.1360"),
}
MINOR_UNITS = {"JPY": 0}
"""Decimal places of a currency's smallest unit, where ISO 4217 says it is not 2."""
''',
    ),
    (
        "shop/currency.py",
        '''    """An amount in another currency (via EUR)."""
    if amount["currency_code"] not in EUR_RATES or to_code not in EUR_RATES:
        raise HttpError(400, f"unsupported currency {amount['currency_code']!r} or {to_code!r}")
    euros = money.to_float(amount) / EUR_RATES[amount["currency_code"]]
    return money.from_float(to_code, euros * EUR_RATES[to_code])''',
        '''    """An amount in another currency (via EUR), rounded half up to the currency's smallest unit."""
    if amount["currency_code"] not in EUR_RATES or to_code not in EUR_RATES:
        raise HttpError(400, f"unsupported currency {amount['currency_code']!r} or {to_code!r}")
    euros = money.to_decimal(amount) / EUR_RATES[amount["currency_code"]]
    smallest = Decimal(1).scaleb(-MINOR_UNITS.get(to_code, 2))
    converted = (euros * EUR_RATES[to_code]).quantize(smallest, rounding=ROUND_HALF_UP)
    return money.from_decimal(to_code, converted)''',
    ),
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

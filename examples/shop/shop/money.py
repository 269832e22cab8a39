"""Money as Online Boutique represents it: a currency code, whole units and nanos."""

from __future__ import annotations

from typing import Any

NANOS = 1_000_000_000


def from_float(currency_code: str, amount: float) -> dict[str, Any]:
    """A money value from a decimal amount (rounded to the nano)."""
    total = round(amount * NANOS)
    return {"currency_code": currency_code, "units": total // NANOS, "nanos": total % NANOS}


def to_float(money: dict[str, Any]) -> float:
    """The decimal amount of a money value."""
    return float(money["units"]) + float(money["nanos"]) / NANOS


def add(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """The sum of two amounts in the same currency."""
    if left["currency_code"] != right["currency_code"]:
        raise ValueError(f"cannot add {left['currency_code']} to {right['currency_code']}")
    total = (left["units"] + right["units"]) * NANOS + left["nanos"] + right["nanos"]
    return {"currency_code": left["currency_code"], "units": total // NANOS, "nanos": total % NANOS}


def multiply(money: dict[str, Any], quantity: int) -> dict[str, Any]:
    """An amount times a whole quantity."""
    total = (money["units"] * NANOS + money["nanos"]) * quantity
    return {"currency_code": money["currency_code"], "units": total // NANOS, "nanos": total % NANOS}


def zero(currency_code: str) -> dict[str, Any]:
    """Nothing, in a currency."""
    return {"currency_code": currency_code, "units": 0, "nanos": 0}


def render(money: dict[str, Any]) -> str:
    """A price as the frontend shows it: `EUR 12.30`."""
    return f"{money['currency_code']} {to_float(money):.2f}"

"""currency: supported currencies and conversion, through EUR as Online Boutique does."""

from __future__ import annotations

from typing import Any

from shop import money
from shop.telemetry import traced
from shop.web import HttpError, Request, Response

EUR_RATES = {
    "EUR": 1.0,
    "USD": 1.1305,
    "JPY": 126.40,
    "GBP": 0.85970,
    "CAD": 1.5128,
    "TRY": 6.1247,
    "CHF": 1.1360,
}


@traced
def get_supported_currencies() -> list[str]:
    """The currency codes the shop can show prices in."""
    return sorted(EUR_RATES)


@traced
def convert(amount: dict[str, Any], to_code: str) -> dict[str, Any]:
    """An amount in another currency (via EUR)."""
    if amount["currency_code"] not in EUR_RATES or to_code not in EUR_RATES:
        raise HttpError(400, f"unsupported currency {amount['currency_code']!r} or {to_code!r}")
    euros = money.to_float(amount) / EUR_RATES[amount["currency_code"]]
    return money.from_float(to_code, euros * EUR_RATES[to_code])


def _currencies(request: Request) -> Response:
    return Response({"currency_codes": get_supported_currencies()})


def _convert(request: Request) -> Response:
    return Response(convert(request.body["from"], request.body["to_code"]))


ROUTES = {"GET /currencies": _currencies, "POST /convert": _convert}

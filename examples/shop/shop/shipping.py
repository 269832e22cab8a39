"""shipping: quotes and ships orders (a flat-ish rate, a fake tracking id)."""

from __future__ import annotations

import hashlib
from typing import Any

from shop import money
from shop.telemetry import traced
from shop.web import Request, Response

BASE_RATE_USD = 8.99
PER_ITEM_USD = 0.5
INTERNATIONAL_USD = 12.0


def international_surcharge(address: dict[str, Any]) -> float:
    """Extra cost of shipping outside the United States."""
    return 0.0 if address.get("country", "US") == "US" else INTERNATIONAL_USD


@traced
def get_quote(address: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """The shipping cost of some items to an address, in USD."""
    count = sum(int(item["quantity"]) for item in items)
    if count == 0:
        return money.zero("USD")
    return money.from_float("USD", BASE_RATE_USD + PER_ITEM_USD * count + international_surcharge(address))


@traced
def ship_order(address: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """Hand the items to the carrier; the tracking id."""
    digest = hashlib.sha1(repr((sorted(address.items()), items)).encode()).hexdigest()
    return f"{address.get('zip_code', '00000')}-{digest[:12].upper()}"


def _quote(request: Request) -> Response:
    return Response({"cost": get_quote(request.body["address"], request.body["items"])})


def _ship(request: Request) -> Response:
    return Response({"tracking_id": ship_order(request.body["address"], request.body["items"])})


ROUTES = {"POST /quote": _quote, "POST /ship": _ship}

"""checkout: places an order (cart, catalog, currency, shipping, payment, email), as Online Boutique does."""

from __future__ import annotations

import uuid
from typing import Any

from shop import money
from shop.telemetry import traced
from shop.web import HttpError, Request, Response, call


@traced
def prepare_order_items(user_id: str, currency_code: str) -> list[dict[str, Any]]:
    """The cart's items, each priced in the user's currency."""
    items = call("cart", "GET", f"/cart/{user_id}")["items"]
    if not items:
        raise HttpError(400, "the cart is empty")
    priced = []
    for item in items:
        product = call("productcatalog", "GET", f"/products/{item['product_id']}")
        price = call("currency", "POST", "/convert", {"from": product["price"], "to_code": currency_code})
        priced.append({**item, "cost": money.multiply(price, int(item["quantity"]))})
    return priced


@traced
def quote_shipping(
    address: dict[str, Any], items: list[dict[str, Any]], currency_code: str
) -> dict[str, Any]:
    """The shipping cost, in the user's currency."""
    quote = call("shipping", "POST", "/quote", {"address": address, "items": items})["cost"]
    converted: dict[str, Any] = call(
        "currency", "POST", "/convert", {"from": quote, "to_code": currency_code}
    )
    return converted


def order_total(items: list[dict[str, Any]], shipping_cost: dict[str, Any]) -> dict[str, Any]:
    """Shipping plus every item's cost."""
    total = shipping_cost
    for item in items:
        total = money.add(total, item["cost"])
    return total


@traced
def place_order(
    user_id: str, currency_code: str, address: dict[str, Any], email: str, card: dict[str, Any]
) -> dict[str, Any]:
    """Price the cart, charge the card, ship, empty the cart and confirm by email."""
    items = prepare_order_items(user_id, currency_code)
    shipping_cost = quote_shipping(address, items, currency_code)
    total = order_total(items, shipping_cost)
    transaction = call("payment", "POST", "/charge", {"amount": total, "credit_card": card})["transaction_id"]
    tracking_id = call("shipping", "POST", "/ship", {"address": address, "items": items})["tracking_id"]
    call("cart", "DELETE", f"/cart/{user_id}")
    order = {
        "order_id": str(uuid.uuid4()),
        "tracking_id": tracking_id,
        "transaction_id": transaction,
        "shipping_cost": shipping_cost,
        "total": total,
        "items": items,
    }
    call("email", "POST", "/send", {"email": email, "order": order})
    return order


def _place_order(request: Request) -> Response:
    body = request.body
    order = place_order(
        body["user_id"], body["user_currency"], body["address"], body["email"], body["credit_card"]
    )
    return Response(order)


ROUTES = {"POST /orders": _place_order}

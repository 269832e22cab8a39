"""frontend: the shop's pages (JSON instead of HTML), calling the other services as Online Boutique does."""

from __future__ import annotations

from typing import Any

from shop import money
from shop.telemetry import traced
from shop.web import HttpError, Request, Response, call

DEFAULT_CURRENCY = "USD"
SESSION_COOKIE = "shop_session-id"
CURRENCY_COOKIE = "shop_currency"


def _session(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "anonymous")


def _currency(request: Request) -> str:
    return request.cookies.get(CURRENCY_COOKIE, DEFAULT_CURRENCY)


def cart_size(items: list[dict[str, Any]]) -> int:
    """How many things are in a cart."""
    return sum(int(item["quantity"]) for item in items)


def convert_price(price: dict[str, Any], currency_code: str) -> dict[str, Any]:
    """A price in the user's currency (no call when it already is)."""
    if price["currency_code"] == currency_code:
        return price
    converted: dict[str, Any] = call(
        "currency", "POST", "/convert", {"from": price, "to_code": currency_code}
    )
    return converted


def get_ads(context_keys: list[str]) -> list[dict[str, str]]:
    """Ads for the page; the page still renders when the ad service fails."""
    try:
        ads: list[dict[str, str]] = call("ad", "GET", f"/ads?context_keys={','.join(context_keys)}")["ads"]
    except (HttpError, OSError):
        return []
    return ads


@traced
def home(request: Request) -> Response:
    """The product list, prices in the user's currency, the cart size and an ad."""
    currency = _currency(request)
    currencies = call("currency", "GET", "/currencies")["currency_codes"]
    products = call("productcatalog", "GET", "/products")["products"]
    items = call("cart", "GET", f"/cart/{_session(request)}")["items"]
    shown = [
        {"id": p["id"], "name": p["name"], "price": money.render(convert_price(p["price"], currency))}
        for p in products
    ]
    return Response(
        {"currencies": currencies, "products": shown, "cart_size": cart_size(items), "ads": get_ads([])}
    )


@traced
def product(request: Request) -> Response:
    """One product, its price, recommendations and an ad for its categories."""
    currency, session = _currency(request), _session(request)
    item = call("productcatalog", "GET", f"/products/{request.params['id']}")
    currencies = call("currency", "GET", "/currencies")["currency_codes"]
    items = call("cart", "GET", f"/cart/{session}")["items"]
    price = convert_price(item["price"], currency)
    recommended = call(
        "recommendation", "GET", f"/recommendations?user_id={session}&product_ids={item['id']}"
    )
    return Response(
        {
            "product": {**item, "price": money.render(price)},
            "currencies": currencies,
            "cart_size": cart_size(items),
            "recommendations": recommended["product_ids"],
            "ads": get_ads(item["categories"]),
        }
    )


@traced
def view_cart(request: Request) -> Response:
    """The cart's items priced in the user's currency, the shipping quote and recommendations."""
    currency, session = _currency(request), _session(request)
    currencies = call("currency", "GET", "/currencies")["currency_codes"]
    items = call("cart", "GET", f"/cart/{session}")["items"]
    ids = ",".join(item["product_id"] for item in items)
    recommended = call("recommendation", "GET", f"/recommendations?user_id={session}&product_ids={ids}")
    quote = call("shipping", "POST", "/quote", {"address": {}, "items": items})["cost"]
    total = convert_price(quote, currency)
    lines = []
    for entry in items:
        item = call("productcatalog", "GET", f"/products/{entry['product_id']}")
        cost = money.multiply(convert_price(item["price"], currency), int(entry["quantity"]))
        total = money.add(total, cost)
        lines.append({"product_id": item["id"], "quantity": entry["quantity"], "cost": money.render(cost)})
    return Response(
        {
            "currencies": currencies,
            "items": lines,
            "recommendations": recommended["product_ids"],
            "total": money.render(total),
        }
    )


@traced
def add_to_cart(request: Request) -> Response:
    """Put a product in the user's cart."""
    product_id, quantity = request.body["product_id"], int(request.body["quantity"])
    call("productcatalog", "GET", f"/products/{product_id}")
    call("cart", "POST", f"/cart/{_session(request)}/items", {"product_id": product_id, "quantity": quantity})
    return Response({"added": product_id})


@traced
def set_currency(request: Request) -> Response:
    """Remember the user's currency in a cookie."""
    code = request.body["currency_code"]
    if code not in call("currency", "GET", "/currencies")["currency_codes"]:
        raise HttpError(400, f"unsupported currency {code!r}")
    return Response({"currency_code": code}, headers=[("Set-Cookie", f"{CURRENCY_COOKIE}={code}; Path=/")])


@traced
def place_order(request: Request) -> Response:
    """Check out the cart; a declined card is the user's problem (402), not an outage."""
    order = call(
        "checkout",
        "POST",
        "/orders",
        {
            "user_id": _session(request),
            "user_currency": _currency(request),
            "address": request.body["address"],
            "email": request.body["email"],
            "credit_card": request.body["credit_card"],
        },
    )
    return Response({"order_id": order["order_id"], "total": money.render(order["total"])})


ROUTES = {
    "GET /": home,
    "GET /product/{id}": product,
    "GET /cart": view_cart,
    "POST /cart": add_to_cart,
    "POST /setCurrency": set_currency,
    "POST /cart/checkout": place_order,
}

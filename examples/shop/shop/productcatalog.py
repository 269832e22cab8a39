"""productcatalog: the products for sale (Online Boutique's catalog)."""

from __future__ import annotations

from typing import Any

from shop import money
from shop.telemetry import traced
from shop.web import HttpError, Request, Response

PRODUCTS: tuple[dict[str, Any], ...] = (
    {"id": "OLJCESPC7Z", "name": "Sunglasses", "price_usd": 19.99, "categories": ["accessories"]},
    {"id": "66VCHSJNUP", "name": "Tank Top", "price_usd": 18.99, "categories": ["clothing", "tops"]},
    {"id": "1YMWWN1N4O", "name": "Watch", "price_usd": 109.99, "categories": ["accessories"]},
    {"id": "L9ECAV7KIM", "name": "Loafers", "price_usd": 89.99, "categories": ["footwear"]},
    {"id": "2ZYFJ3GM2N", "name": "Hairdryer", "price_usd": 24.99, "categories": ["hair", "beauty"]},
    {"id": "0PUK6V6EV0", "name": "Candle Holder", "price_usd": 18.99, "categories": ["decor", "home"]},
    {"id": "LS4PSXUNUM", "name": "Salt & Pepper Shakers", "price_usd": 18.49, "categories": ["kitchen"]},
    {"id": "9SIQT8TOJO", "name": "Bamboo Glass Jar", "price_usd": 5.49, "categories": ["kitchen"]},
    {"id": "6E92ZMYYFZ", "name": "Mug", "price_usd": 8.99, "categories": ["kitchen"]},
)


def _public(product: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": product["id"],
        "name": product["name"],
        "price": money.from_float("USD", product["price_usd"]),
        "categories": list(product["categories"]),
    }


@traced
def list_products() -> list[dict[str, Any]]:
    """Every product, priced in USD."""
    return [_public(product) for product in PRODUCTS]


@traced
def get_product(product_id: str) -> dict[str, Any]:
    """One product by id; 404 when there is none."""
    for product in PRODUCTS:
        if product["id"] == product_id:
            return _public(product)
    raise HttpError(404, f"no product {product_id!r}")


@traced
def search_products(query: str) -> list[dict[str, Any]]:
    """Products whose name contains the query (case-insensitive)."""
    return [_public(p) for p in PRODUCTS if query.lower() in p["name"].lower()]


def _list(request: Request) -> Response:
    if "q" in request.query:
        return Response({"products": search_products(request.query["q"])})
    return Response({"products": list_products()})


def _get(request: Request) -> Response:
    return Response(get_product(request.params["id"]))


ROUTES = {"GET /products": _list, "GET /products/{id}": _get}

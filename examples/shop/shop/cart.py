"""cart: each user's cart, in memory (Online Boutique keeps it in Redis)."""

from __future__ import annotations

import threading
from typing import Any

from shop.telemetry import traced
from shop.web import HttpError, Request, Response

_CARTS: dict[str, dict[str, int]] = {}
_LOCK = threading.Lock()
MAX_QUANTITY = 10


@traced
def add_item(user_id: str, product_id: str, quantity: int) -> None:
    """Add a quantity of a product to a user's cart."""
    if not 0 < quantity <= MAX_QUANTITY:
        raise HttpError(400, f"quantity must be 1 to {MAX_QUANTITY}")
    with _LOCK:
        items = _CARTS.setdefault(user_id, {})
        items[product_id] = min(items.get(product_id, 0) + quantity, MAX_QUANTITY)


@traced
def get_cart(user_id: str) -> list[dict[str, Any]]:
    """The items in a user's cart."""
    with _LOCK:
        return [{"product_id": p, "quantity": q} for p, q in _CARTS.get(user_id, {}).items()]


@traced
def empty_cart(user_id: str) -> None:
    """Remove everything from a user's cart (after an order)."""
    with _LOCK:
        _CARTS.pop(user_id, None)


def _get(request: Request) -> Response:
    return Response({"user_id": request.params["user"], "items": get_cart(request.params["user"])})


def _add(request: Request) -> Response:
    add_item(request.params["user"], request.body["product_id"], int(request.body["quantity"]))
    return Response({})


def _empty(request: Request) -> Response:
    empty_cart(request.params["user"])
    return Response({})


ROUTES = {"GET /cart/{user}": _get, "POST /cart/{user}/items": _add, "DELETE /cart/{user}": _empty}

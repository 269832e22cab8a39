"""recommendation: other products the user may like (asks productcatalog)."""

from __future__ import annotations

import random

from shop.telemetry import traced
from shop.web import Request, Response, call

MAX_RESPONSES = 5


@traced
def list_recommendations(user_id: str, product_ids: list[str]) -> list[str]:
    """Up to five catalog products that are not already in view."""
    catalog = call("productcatalog", "GET", "/products")["products"]
    candidates = [product["id"] for product in catalog if product["id"] not in product_ids]
    return random.sample(candidates, min(MAX_RESPONSES, len(candidates)))


def _recommendations(request: Request) -> Response:
    ids = [i for i in request.query.get("product_ids", "").split(",") if i]
    return Response({"product_ids": list_recommendations(request.query.get("user_id", ""), ids)})


ROUTES = {"GET /recommendations": _recommendations}

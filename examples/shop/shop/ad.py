"""ad: text ads matched to the page's categories."""

from __future__ import annotations

import random

from shop.telemetry import traced
from shop.web import Request, Response

ADS = {
    "clothing": {"redirect_url": "/product/66VCHSJNUP", "text": "Tank top for sale. 20% off."},
    "accessories": {
        "redirect_url": "/product/1YMWWN1N4O",
        "text": "Watch for sale. Buy one, get second kit for free",
    },
    "footwear": {
        "redirect_url": "/product/L9ECAV7KIM",
        "text": "Loafers for sale. Buy one, get second one for free",
    },
    "hair": {"redirect_url": "/product/2ZYFJ3GM2N", "text": "Hairdryer for sale. 50% off."},
    "decor": {"redirect_url": "/product/0PUK6V6EV0", "text": "Candle holder for sale. 30% off."},
    "kitchen": {"redirect_url": "/product/9SIQT8TOJO", "text": "Bamboo glass jar for sale. 10% off."},
}
MAX_ADS = 2


def get_random_ads(count: int) -> list[dict[str, str]]:
    """Ads for a page with no context."""
    return random.sample(list(ADS.values()), count)


@traced
def get_ads(context_keys: list[str]) -> list[dict[str, str]]:
    """Ads for the categories of a page, or random ones when none match."""
    ads = [ADS[key] for key in context_keys if key in ADS]
    return ads[:MAX_ADS] if ads else get_random_ads(MAX_ADS)


def _ads(request: Request) -> Response:
    keys = [key for key in request.query.get("context_keys", "").split(",") if key]
    return Response({"ads": get_ads(keys)})


ROUTES = {"GET /ads": _ads}

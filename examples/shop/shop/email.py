"""email: order confirmations (rendered, never sent: the example has no mail server)."""

from __future__ import annotations

import html
from typing import Any

from shop import money
from shop.telemetry import traced
from shop.web import Request, Response

SENT: list[str] = []
"""The last confirmations rendered, newest last (kept short)."""


def render_confirmation(order: dict[str, Any]) -> str:
    """The HTML body of an order confirmation."""
    rows = "".join(
        f"<tr><td>{html.escape(item['product_id'])}</td><td>{item['quantity']}</td>"
        f"<td>{money.render(item['cost'])}</td></tr>"
        for item in order["items"]
    )
    return (
        f"<h1>Your order {html.escape(order['order_id'])}</h1><table>{rows}</table>"
        f"<p>Shipping: {money.render(order['shipping_cost'])}; tracking {html.escape(order['tracking_id'])}</p>"
    )


@traced
def send_confirmation(email: str, order: dict[str, Any]) -> None:
    """Render and "send" the confirmation of an order."""
    SENT.append(f"To: {email}\n\n{render_confirmation(order)}")
    del SENT[:-20]


def _send(request: Request) -> Response:
    send_confirmation(request.body["email"], request.body["order"])
    return Response({})


ROUTES = {"POST /send": _send}

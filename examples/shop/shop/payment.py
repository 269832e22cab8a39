"""payment: charges a credit card (validated, never really charged)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from shop.telemetry import traced
from shop.web import HttpError, Request, Response

ACCEPTED = {"4": "visa", "5": "mastercard"}


class CardDeclined(Exception):
    """The card cannot be charged (invalid, expired or of a type we do not take)."""


def luhn_valid(number: str) -> bool:
    """The Luhn checksum of a card number."""
    digits = [int(d) for d in number if d.isdigit()]
    total = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
    return len(digits) >= 12 and total % 10 == 0


def check_expiry(year: int, month: int, today: datetime.date) -> None:
    """Refuse a card whose expiry month has passed."""
    if (year, month) < (today.year, today.month):
        raise CardDeclined(f"card expired {month:02d}/{year}")


@traced
def charge(amount: dict[str, Any], card: dict[str, Any]) -> str:
    """Charge an amount to a card; the transaction id, or CardDeclined."""
    number = str(card["number"])
    if not luhn_valid(number):
        raise CardDeclined("invalid card number")
    if number[0] not in ACCEPTED:
        raise CardDeclined("only VISA and Mastercard are accepted")
    check_expiry(int(card["expiration_year"]), int(card["expiration_month"]), datetime.date.today())
    return str(uuid.uuid4())


def _charge(request: Request) -> Response:
    try:
        return Response({"transaction_id": charge(request.body["amount"], request.body["credit_card"])})
    except CardDeclined as e:
        raise HttpError(402, str(e)) from e


ROUTES = {"POST /charge": _charge}

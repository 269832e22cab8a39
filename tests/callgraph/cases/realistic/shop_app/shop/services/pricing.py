from ..utils import money


def no_discount(amount):
    return amount


def ten_percent(amount):
    return amount * 0.9


def bulk(amount):
    return amount - 5 if amount > 50 else amount


DISCOUNTS = {"none": no_discount, "ten": ten_percent, "bulk": bulk}


def apply_discount(amount, code):
    rule = DISCOUNTS[code] if code in DISCOUNTS else no_discount
    return money(rule(amount))


def order_total(order, code="none"):
    gross = 0.0
    for line in order.lines:
        gross += line.subtotal()
    return apply_discount(gross, code)

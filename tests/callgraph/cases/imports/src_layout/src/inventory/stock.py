def reserve(sku):
    return check(sku)


def check(sku):
    return bool(sku)

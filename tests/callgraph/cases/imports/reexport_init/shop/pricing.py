def total(items):
    result = 0.0
    for item in items:
        result += item.price
    return round(result, 2)

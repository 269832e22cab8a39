def strip(value):
    return value[1:-1]


def upper(value):
    return value + "!"


def check(value):
    return value


PIPELINE = [strip, upper, check]


def run(value):
    for step in PIPELINE:
        value = step(value)
    return value


run(" x ")

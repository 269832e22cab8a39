import functools


def double(x):
    return x * 2


def positive(x):
    return x > 0


def add(a, b):
    return a + b


def negate(x):
    return -x


def distance(x):
    return abs(x - 10)


class Scale:
    def __init__(self, factor):
        self.factor = factor

    def apply(self, x):
        return x * self.factor


def run(values):
    doubled = list(map(double, values))
    kept = list(filter(positive, doubled))
    total = functools.reduce(add, kept, 0)
    smallest = min(values, key=negate)
    closest = max(values, key=distance)
    scaled = list(map(Scale(3).apply, values))
    return doubled, kept, total, smallest, closest, scaled


run([1, -2, 3])

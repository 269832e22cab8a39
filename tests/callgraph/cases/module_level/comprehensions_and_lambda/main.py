def square(x):
    return x * x


def is_even(x):
    return x % 2 == 0


SQUARES = [square(n) for n in range(4)]
EVENS = {n for n in range(4) if is_even(n)}
pick = lambda v: square(v) + 1  # noqa: E731
pick(3)

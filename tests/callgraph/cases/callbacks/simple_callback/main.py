def double(x):
    return x * 2


def negate(x):
    return -x


def apply(func, value):
    return func(value)


apply(double, 3)
apply(negate, 4)

def inc(x):
    return x + 1


def double(x):
    return x * 2


def compose(f, g):
    def composed(x):
        return f(g(x))

    return composed


inc_then_double = compose(double, inc)
inc_then_double(3)

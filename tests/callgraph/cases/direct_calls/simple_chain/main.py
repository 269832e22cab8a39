def c():
    return 3


def b():
    return c() + 1


def a():
    return b() * 2


def unused():
    return c()


a()

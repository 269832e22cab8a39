def leaf():
    return 0


def record(value):
    return value


def counter():
    count = 0

    def increment():
        nonlocal count
        count += 1
        return record(count)

    return increment


def a():
    def b():
        def c():
            return leaf()

        return c()

    return b()


tick = counter()
tick()
a()

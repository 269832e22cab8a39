def helper(x):
    return x + 1


def outer(x):
    def inner(y):
        return helper(y) * 2

    return inner(x) + inner(x + 1)


outer(1)

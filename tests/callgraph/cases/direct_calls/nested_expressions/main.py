def inner():
    return 1


def middle(x):
    return x + 1


def outer(x, scale=1):
    return x * scale


def check(x):
    return x > 0


def describe(x):
    return f"value={middle(x)}"


def compute():
    total = outer(middle(inner()), scale=inner())
    if check(total):
        return describe(total)
    return [middle(i) for i in (1, 2)]


compute()

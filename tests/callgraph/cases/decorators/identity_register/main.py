REGISTRY = {}


def register(func):
    REGISTRY[func.__name__] = func
    return func


@register
def alpha():
    return "a"


@register
def beta():
    return "b"


alpha()
beta()

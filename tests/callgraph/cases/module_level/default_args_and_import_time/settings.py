def base():
    return 5


def default_timeout():
    return base() * 2


LIMIT = base()

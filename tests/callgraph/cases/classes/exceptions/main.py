class AppError(Exception):
    def __init__(self, message):
        self.message = message


class NotFound(AppError):
    pass


class Plain(Exception):
    pass


def find(key):
    if key == "missing":
        raise NotFound(key)
    if key == "bad":
        raise AppError("bad")
    raise Plain(key)


try:
    find("missing")
except AppError:
    pass

from deco import singleton, traced


@singleton
class Config:
    def __init__(self):
        self.debug = False


def outer():
    @traced
    def inner():
        return Config()

    return inner()


outer()

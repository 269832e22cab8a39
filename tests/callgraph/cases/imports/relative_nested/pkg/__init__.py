from .core import setup


def top():
    return setup()

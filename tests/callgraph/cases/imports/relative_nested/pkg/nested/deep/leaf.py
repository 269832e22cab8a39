from ...core import setup as configure
from ... import core


def leaf():
    configure()
    return core.teardown()


configure()

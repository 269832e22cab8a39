from ..core import setup
from . import helpers
from .deep.leaf import leaf


def tool():
    setup()
    helpers.assist()
    return leaf()

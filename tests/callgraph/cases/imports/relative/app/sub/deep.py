from ..fmt import render as r
from ..util import clean


def go():
    return r(clean("xy"))

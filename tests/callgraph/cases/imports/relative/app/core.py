from . import fmt
from .util import clean


def process(value):
    return fmt.render(clean(value))

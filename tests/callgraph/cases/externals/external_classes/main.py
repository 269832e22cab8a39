import collections
from collections import OrderedDict
from pathlib import Path


def make():
    ordered = OrderedDict()
    counts = collections.Counter("abc")
    home = Path("/tmp")
    return ordered, counts, home


make()

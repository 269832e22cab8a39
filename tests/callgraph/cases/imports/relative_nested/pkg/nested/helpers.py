from .deep import leaf as leaf_module


def assist():
    return leaf_module.leaf()

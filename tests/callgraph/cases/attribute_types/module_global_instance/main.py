from registry import registry


def plugin():
    return "plugin"


registry.add(plugin)

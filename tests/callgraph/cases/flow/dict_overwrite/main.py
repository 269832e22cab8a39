def old():
    return "old"


def new():
    return "new"


def other():
    return "other"


ROUTES = {}
ROUTES["home"] = old
ROUTES["home"] = new
ROUTES["about"] = other
ROUTES["home"]()


def local():
    table = {"a": old, "b": other}
    table["a"] = new
    table["a"]()
    return table["b"]()


def dynamic(key):
    table = {"a": old}
    table[key] = new
    return table["a"]()


def branches(flag):
    table = {"a": old}
    if flag:
        table["a"] = new
    return table["a"]()


def run():
    local()
    dynamic("a")
    dynamic("b")
    branches(True)
    branches(False)


run()

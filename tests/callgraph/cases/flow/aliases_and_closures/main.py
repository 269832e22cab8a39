def old():
    return "old"


def new():
    return "new"


def patch(table):
    table["k"] = new


def alias():
    table = {"k": old}
    table["k"]()
    other = table
    other["k"] = new
    return table["k"]()


def through_call():
    table = {"k": old}
    table["k"]()
    patch(table)
    return table["k"]()


def closure():
    table = {"k": old}

    def swap():
        table["k"] = new

    table["k"]()
    swap()
    return table["k"]()


def nonlocal_name():
    action = old

    def swap():
        nonlocal action
        action = new

    action()
    swap()
    return action()


STATE = old


def set_state():
    global STATE
    STATE = new


STATE()
set_state()
STATE()


def run():
    alias()
    through_call()
    closure()
    nonlocal_name()


run()

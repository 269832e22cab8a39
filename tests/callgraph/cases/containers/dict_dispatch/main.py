def do_add():
    return "add"


def do_delete():
    return "delete"


def do_other():
    return "other"


HANDLERS = {"add": do_add, "delete": do_delete}


def dispatch(command):
    return HANDLERS[command]()


dispatch("add")

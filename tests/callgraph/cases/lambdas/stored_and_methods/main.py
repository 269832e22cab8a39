def on_add(item):
    return item


def on_remove(item):
    return item


HANDLERS = {"add": lambda item: on_add(item), "remove": lambda item: on_remove(item)}


def dispatch(kind, item):
    return HANDLERS[kind](item)


class Button:
    callback = lambda self: self.clicked()  # noqa: E731

    def clicked(self):
        return "clicked"


def with_default(action=lambda: on_add(0)):
    return action()


def run():
    dispatch("add", 1)
    dispatch("remove", 2)
    Button().callback()
    return with_default()


run()

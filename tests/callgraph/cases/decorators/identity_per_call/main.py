HOOKS = []


def hook(function):
    HOOKS.append(function)
    return function


@hook
def on_start():
    return "start"


@hook
def on_stop():
    return "stop"


class Query:
    def __init__(self):
        self.parts = []

    def where(self, part):
        self.parts.append(part)
        return self

    def run(self):
        return " and ".join(self.parts)


class Report:
    def where(self, part):
        return self

    def run(self):
        return "report"


def start():
    return on_start()


def stop():
    return on_stop()


def search():
    Report().where("y")
    return Query().where("x").run()


start()
stop()
search()

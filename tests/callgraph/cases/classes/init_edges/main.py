def default_name():
    return "anon"


class WithInit:
    def __init__(self, name=None):
        self.name = name or default_name()


class WithoutInit:
    def hello(self):
        return "hello"


def build():
    a = WithInit()
    b = WithoutInit()
    return a, b


build()

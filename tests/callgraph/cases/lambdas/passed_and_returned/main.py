def load(path):
    return path


def parse(text):
    return text


class Report:
    def render(self):
        return "report"


def apply(function, value):
    return function(value)


def make_loader(prefix):
    return lambda name: load(prefix + name)


def compose(first, second):
    return lambda value: second(first(value))


def pipeline():
    return compose(load, parse)


def chained():
    return (lambda: lambda: Report())()()


def run():
    apply(lambda text: parse(text), "x")
    make_loader("/tmp/")("a")
    pipeline()("b")
    return chained().render()


run()

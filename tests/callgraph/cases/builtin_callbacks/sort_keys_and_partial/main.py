from functools import partial


def greet(greeting, name):
    return greeting + name


def by_size(item):
    return item[1]


def by_name(item):
    return item[0]


class Sorter:
    def key(self, item):
        return item[0]

    def sort(self, items):
        items.sort(key=self.key)
        return items


class Report:
    def line(self, name):
        return name


def run():
    hello = partial(greet, "hello ")
    hello("ann")
    partial(Report().line)("x")
    pairs = [(2, "b"), (1, "a")]
    pairs.sort(key=by_size)
    Sorter().sort(pairs)
    return sorted(pairs, key=by_name, reverse=True)


run()

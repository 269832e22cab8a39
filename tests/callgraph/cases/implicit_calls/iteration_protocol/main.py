class Countdown:
    def __init__(self, start):
        self.current = start

    def __iter__(self):
        return self

    def __next__(self):
        if self.current <= 0:
            raise StopIteration
        self.current -= 1
        return self.current


class Bag:
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return Cursor(self.items)


class Cursor:
    def __init__(self, items):
        self.items = items
        self.position = 0

    def __next__(self):
        if self.position >= len(self.items):
            raise StopIteration
        self.position += 1
        return self.items[self.position - 1]


def make_countdown():
    return Countdown(2)


def total(iterable):
    result = 0
    for value in iterable:
        result += value
    return result


def first(iterable):
    return next(iter(iterable))


def squares(bag):
    return [value * value for value in bag]


def run():
    for _ in make_countdown():
        pass
    total(Countdown(3))
    first(Bag([4, 5]))
    squares(Bag([1, 2]))
    return sum(value for value in Countdown(2))


run()

class Registry:
    def __init__(self):
        self.items = {}

    def __getitem__(self, key):
        return self.items[key]

    def __setitem__(self, key, value):
        self.items[key] = value

    def __delitem__(self, key):
        del self.items[key]

    def __len__(self):
        return len(self.items)


class Money:
    def __init__(self, cents):
        self.cents = cents

    def __repr__(self):
        return f"Money({self.cents})"


class Label:
    def __str__(self):
        return "label"


class Upper:
    def __get__(self, instance, owner):
        return instance.name.upper()


class Person:
    loud = Upper()

    def __init__(self, name):
        self.name = name


def run():
    registry = Registry()
    registry["a"] = 1
    value = registry["a"]
    del registry["a"]
    size = len(registry)
    print(Money(5), Label())
    text = str(Label())
    shout = Person("ann").loud
    return value, size, text, shout


run()

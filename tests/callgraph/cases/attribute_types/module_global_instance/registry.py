class Registry:
    def __init__(self):
        self.items = {}

    def add(self, item):
        self.items[item.__name__] = item


registry = Registry()

class Cache:
    def lookup(self, key):
        return key


class Clock:
    def now(self):
        return 0


class App:
    def __init__(self, cache: Cache):
        self.cache = cache
        self.clock = None

    def setup(self):
        self.clock = Clock()

    def get(self, key):
        return self.cache.lookup(key), self.clock.now()


app = App(Cache())
app.setup()
app.get("k")

import functools


def logged(method):
    @functools.wraps(method)
    def wrapper(self, *args):
        self.log(method.__name__)
        return method(self, *args)

    return wrapper


class Service:
    def log(self, name):
        return name

    @logged
    def fetch(self, key):
        return self.load(key)

    def load(self, key):
        return key


def run():
    return Service().fetch("k")


run()

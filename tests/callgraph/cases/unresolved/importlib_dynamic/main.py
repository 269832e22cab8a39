import importlib


def load(name):
    module = importlib.import_module("plugins." + name)
    return module.run()


def run():
    return "main run"

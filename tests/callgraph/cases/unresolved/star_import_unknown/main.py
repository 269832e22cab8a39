from somelib import *


def local():
    return "local"


def run():
    run_thing()
    return local()


run()

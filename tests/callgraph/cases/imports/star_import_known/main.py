from helpers import *


def run():
    return shout("x") + whisper("y")


run()

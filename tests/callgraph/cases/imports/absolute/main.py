import util
import pkg.helpers


def run():
    util.greet()
    return pkg.helpers.double(2)


run()

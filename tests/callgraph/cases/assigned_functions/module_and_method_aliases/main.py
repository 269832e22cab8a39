import mathx
from mathx import mul as times


class Greeter:
    def greet(self):
        return "hi"


def compute():
    op = mathx.add
    return op(1, 2) + times(3, 4)


def greet_twice():
    bound = Greeter().greet
    return bound() + bound()


compute()
greet_twice()

def square(x):
    return x * x


def shout(text):
    return text.upper()


class Greeter:
    def hello(self):
        return "hello"


square_it = lambda value: square(value)  # noqa: E731


def run():
    (lambda: shout("now"))()
    apply = lambda obj: obj.hello()  # noqa: E731
    apply(Greeter())
    return square_it(3)


run()

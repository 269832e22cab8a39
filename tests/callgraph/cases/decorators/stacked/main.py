def first(func):
    return func


def second(func):
    return func


@first
@second
def target():
    return "t"


target()

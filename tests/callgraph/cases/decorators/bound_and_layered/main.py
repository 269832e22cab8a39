import functools

registry = []


def register(function):
    registry.append(function)
    return function


def logged(function):
    @functools.wraps(function)
    def wrapper(*args):
        return function(*args)

    return wrapper


def retry(times):
    def decorator(function):
        def attempt(*args):
            for _ in range(times):
                return function(*args)

        return attempt

    return decorator


def layered(prefix):
    def middle(suffix):
        return logged

    return middle


add = register
trace = logged
twice = retry(2)


@add
def first():
    return 1


@trace
def second():
    return 2


@twice
def third():
    return 3


@layered("a")("b")
def fourth():
    return 4


@retry(times=3)
def fifth():
    return 5


def run():
    first()
    second()
    third()
    fourth()
    fifth()


run()

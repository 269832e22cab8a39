def logged(func):
    def wrapper(*args):
        print("calling")
        return func(*args)

    return wrapper


@logged
def add(a, b):
    return a + b


add(1, 2)

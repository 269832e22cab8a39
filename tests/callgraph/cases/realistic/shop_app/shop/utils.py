import time


def timestamp():
    return round(time.time(), 3)


def log(message):
    print(f"[{timestamp()}] {message}")


def audit(action):
    def decorate(func):
        def wrapper(*args, **kwargs):
            log(f"begin {action}")
            result = func(*args, **kwargs)
            log(f"end {action}")
            return result

        return wrapper

    return decorate


def money(value):
    return round(value, 2)

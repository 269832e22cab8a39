def helper():
    return "module"


def outer():
    def helper():
        return "inner"

    return helper()


def other():
    return helper()


outer()
other()

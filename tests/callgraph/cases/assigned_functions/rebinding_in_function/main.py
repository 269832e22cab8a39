def first():
    return 1


def second():
    return 2


def run():
    action = first
    action = second
    return action()


run()

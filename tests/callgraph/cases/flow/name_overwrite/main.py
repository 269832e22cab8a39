def first():
    return 1


def second():
    return 2


def third():
    return 3


def straight():
    action = first
    action = second
    return action()


def branches(flag):
    action = first
    if flag:
        action = second
    return action()


def either(flag):
    if flag:
        action = second
    elif flag is None:
        action = first
    else:
        action = third
    return action()


def loop():
    action = first
    for _ in range(2):
        action()
        action = third


def guarded(text):
    action = first
    try:
        if text == "early":
            raise ValueError(text)
        action = second
        int(text)
        action = third
    except ValueError:
        pass
    return action()


handler = first
handler = third
handler()


def run():
    straight()
    branches(True)
    branches(False)
    either(True)
    either(None)
    either(False)
    loop()
    guarded("early")
    guarded("late")
    guarded("1")


run()

def speak():
    return "hello"


def whisper():
    return "psst"


shout = speak
shout()


def choose(loud):
    handler = speak if loud else whisper
    return handler()


choose(True)

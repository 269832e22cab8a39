__all__ = ["shout", "whisper"]


def shout(text):
    return text + "!"


def whisper(text):
    return _quiet(text)


def _quiet(text):
    return "(" + text + ")"

import sys


class Plugin:
    def start(self):
        return "start"

    def stop(self):
        return "stop"


def invoke(obj, action):
    return getattr(obj, action)()


if __name__ == "__main__":
    invoke(Plugin(), sys.argv[1])

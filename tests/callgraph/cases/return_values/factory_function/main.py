class Runner:
    def __init__(self):
        self.done = False

    def run(self):
        self.done = True


def make():
    return Runner()


make().run()

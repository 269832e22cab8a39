class Task:
    def __init__(self, name):
        self.name = name

    def run(self):
        return self.name


def produce(count):
    for index in range(count):
        yield Task(str(index))


def relay(count):
    yield from produce(count)


def start(count):
    return relay(count)


def drain(tasks):
    return [task.run() for task in tasks]


def run():
    drain(start(2))
    for task in produce(1):
        task.run()
    next(produce(1)).run()


run()

def load():
    return "load"


def check():
    return "check"


def save():
    return "save"


def report():
    return "report"


def steps():
    pipeline = [load, check]
    pipeline[0] = save
    pipeline[0]()
    return pipeline[1]()


def appended():
    pipeline = [load]
    pipeline.append(report)
    pipeline[0] = check
    pipeline[0]()
    return pipeline[-1]()


STAGES = [load, check]
STAGES[1] = report
STAGES[1]()


def run():
    steps()
    appended()


run()

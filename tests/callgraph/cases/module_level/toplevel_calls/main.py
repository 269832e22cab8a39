def configure():
    return {"debug": False}


def setup():
    return configure()


CONFIG = setup()
for _ in range(2):
    configure()

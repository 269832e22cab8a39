import settings


def connect(timeout=settings.default_timeout()):
    return timeout


TIMEOUT = connect()

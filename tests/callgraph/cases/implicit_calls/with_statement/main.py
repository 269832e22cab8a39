class Session:
    def __enter__(self):
        return Handle()

    def __exit__(self, kind, value, traceback):
        self.close()
        return False

    def close(self):
        return None


class Handle:
    def read(self):
        return "data"


class Lock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def holder(self):
        return "me"


def open_session():
    return Session()


def use(lock):
    with lock as held:
        return held.holder()


def run():
    with open_session() as handle:
        handle.read()
    with Lock(), Session():
        pass
    return use(Lock())


run()

def handle(data):
    return data


class Logger:
    def record(self, data):
        return data


def fetch(url, on_done=None):
    data = url + "!"
    if on_done is not None:
        on_done(data)
    return data


logger = Logger()
fetch("a", on_done=handle)
fetch("b", on_done=logger.record)

def setup():
    return "setup"


def teardown():
    return "teardown"

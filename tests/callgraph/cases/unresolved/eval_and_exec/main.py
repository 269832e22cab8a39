def helper():
    return "helped"


def secret():
    return "secret"


def run(code, name):
    eval(code)
    exec(code)
    return globals()[name]()


run("helper()", "secret")

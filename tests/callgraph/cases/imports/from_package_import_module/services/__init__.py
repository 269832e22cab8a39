from . import mailer


def version():
    return "1"

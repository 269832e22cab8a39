from . import templates


def send(user):
    return templates.render("mail", user)

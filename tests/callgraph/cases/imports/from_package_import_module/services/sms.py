from .templates import render


def send(user):
    return render("sms", user)

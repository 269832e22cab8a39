import requests


class Email:
    def dispatch(self):
        return "email"


class Sms:
    def dispatch(self):
        return "sms"


def handle(event):
    return event.dispatch()


def fetch(url):
    return requests.get(url).json()

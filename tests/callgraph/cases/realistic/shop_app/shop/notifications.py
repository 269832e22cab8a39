from .utils import log


class Notifier:
    def send(self, recipient, message):
        raise NotImplementedError("send")

    def format(self, recipient, message):
        return f"to {recipient}: {message}"


class EmailNotifier(Notifier):
    def __init__(self, sender):
        self.sender = sender
        self.sent = 0

    def send(self, recipient, message):
        self.sent += 1
        log(self.format(recipient, message))
        return True


class SmsNotifier(Notifier):
    def send(self, recipient, message):
        log("sms " + self.format(recipient, message))
        return True

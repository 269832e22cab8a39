class Notifier:
    def send(self, text):
        raise NotImplementedError(text)


class Email(Notifier):
    def send(self, text):
        return "email " + text


class Sms(Notifier):
    def send(self, text):
        return "sms " + text


class Pager(Notifier):
    def send(self, text):
        return "pager " + text


def notify_all(notifiers, text):
    for notifier in notifiers:
        notifier.send(text)


notify_all([Email(), Sms()], "hi")

import services.sms as sms
from services import mailer


def notify(user):
    mailer.send(user)
    sms.send(user)


notify("ann")

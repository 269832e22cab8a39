from base import Model


class User(Model):
    def greet(self):
        return "hi " + self.table


class Admin(User):
    def __init__(self):
        self.table = "admins"


User()
Admin()

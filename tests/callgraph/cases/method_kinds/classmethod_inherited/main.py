class Base:
    def __init__(self):
        self.kind = "base"

    @classmethod
    def create(cls):
        return cls()


class Sub(Base):
    def __init__(self):
        self.kind = "sub"


Base.create()
Sub.create()

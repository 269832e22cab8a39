class Base:
    def run(self):
        return "base"

    def stop(self):
        return "stop"


class Child(Base):
    def run(self):
        return super(Child, self).run()

    def stop(self):
        return Base.stop(self)


c = Child()
c.run()
c.stop()

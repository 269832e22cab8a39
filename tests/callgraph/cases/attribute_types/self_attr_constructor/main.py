class Repo:
    def __init__(self):
        self.rows = []

    def save(self, row):
        self.rows = [*self.rows, row]


class Service:
    def __init__(self):
        self.repo = Repo()

    def run(self):
        self.repo.save("x")


Service().run()

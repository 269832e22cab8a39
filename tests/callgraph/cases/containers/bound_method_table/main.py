class Repo:
    def save(self):
        return "save"

    def load(self):
        return "load"

    def drop(self):
        return "drop"


def run(names):
    repo = Repo()
    actions = {"save": repo.save, "load": repo.load}
    for name in names:
        actions[name]()


run(["save", "load"])

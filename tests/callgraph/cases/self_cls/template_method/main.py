class Job:
    def run(self):
        self.prepare()
        return self.step()

    def prepare(self):
        return None

    def step(self):
        return "base"


class CleanupJob(Job):
    def step(self):
        return "cleanup"


Job().run()
CleanupJob().run()

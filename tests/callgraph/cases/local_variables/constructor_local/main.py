class Report:
    def __init__(self, title):
        self.title = title

    def render(self):
        return self.title


def main():
    report = Report("q1")
    return report.render()


main()

class Form:
    def __init__(self, data):
        self.data = data

    def validate(self):
        return self._non_empty() and self._short()

    def _non_empty(self):
        return bool(self.data)

    def _short(self):
        return len(self.data) < 10

    def submit(self):
        if self.validate():
            return self._store()
        return None

    def _store(self):
        return self.data


Form("abc").submit()

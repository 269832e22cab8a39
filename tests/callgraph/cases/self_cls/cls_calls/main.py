class Config:
    def __init__(self, values):
        self.values = values

    @classmethod
    def from_pairs(cls, pairs):
        cls.check(pairs)
        return cls(cls.normalize(pairs))

    @staticmethod
    def check(pairs):
        return len(pairs) > 0

    @classmethod
    def normalize(cls, pairs):
        return dict(pairs)


Config.from_pairs([("a", 1)])

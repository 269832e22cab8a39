class Order:
    def __init__(self, lines):
        self.lines = lines

    def _sum(self):
        return sum(self.lines)

    @property
    def total(self):
        return self._sum()


order = Order([1, 2])
print(order.total)

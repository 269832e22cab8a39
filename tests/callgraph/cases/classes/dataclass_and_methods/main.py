from dataclasses import dataclass


@dataclass
class Point:
    x: int
    y: int

    def norm(self):
        return abs(self.x) + abs(self.y)


def unit():
    return Point(1, 0)


p = Point(3, 4)
p.norm()
Point.norm(unit())

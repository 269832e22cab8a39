import copy
from typing import Optional


class Shape:
    def area(self):
        return 0


class Square(Shape):
    def area(self):
        return 4


class Circle(Shape):
    def area(self):
        return 3


class Canvas:
    current: Optional["Shape"] = None

    def draw(self) -> int:
        return self.current.area()


def measure(shape: Shape) -> int:
    return shape.area()


def run():
    for shape in (Square(), Circle(), Shape()):
        measure(copy.copy(shape))
    canvas: Canvas = copy.deepcopy(Canvas())
    for shape in (Square(), Circle(), Shape()):
        canvas.current = copy.copy(shape)
        canvas.draw()


run()

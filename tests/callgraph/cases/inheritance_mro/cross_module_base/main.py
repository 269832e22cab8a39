import shapes as s
from shapes import Shape


class Square(Shape):
    def area(self):
        return self.side * self.side


class Circle(s.Shape):
    pass


sq = Square(2)
sq.describe()
Circle(1).describe()

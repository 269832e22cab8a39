import shop
from shop import Item, compute_total

first = Item("a", 1.0)
second = shop.Item("b", 2.0)
print(compute_total([first, second]))
first.label()

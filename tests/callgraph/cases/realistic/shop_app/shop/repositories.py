from .errors import NotFoundError


class BaseRepository:
    kind = "item"

    def __init__(self):
        self._rows = {}

    def add(self, key, row):
        self._rows[key] = row
        return row

    def get(self, key):
        if key not in self._rows:
            raise NotFoundError(self.kind, key)
        return self._rows[key]

    def count(self):
        return len(self._rows)


class ProductRepository(BaseRepository):
    kind = "product"

    def add_product(self, product):
        return self.add(product.sku, product)


class OrderRepository(BaseRepository):
    kind = "order"

    def __init__(self):
        super().__init__()
        self._next_id = 1

    def next_id(self):
        value = self._next_id
        self._next_id += 1
        return value

    def save(self, order):
        return self.add(order.order_id, order)

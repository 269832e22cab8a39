from .utils import money


class Product:
    def __init__(self, sku, name, price, stock=0):
        self.sku = sku
        self.name = name
        self.price = price
        self.stock = stock

    def is_available(self, quantity):
        return self.stock >= quantity

    def take(self, quantity):
        self.stock -= quantity
        return self.stock


class OrderLine:
    def __init__(self, product, quantity):
        self.product = product
        self.quantity = quantity

    def subtotal(self):
        return money(self.product.price * self.quantity)


class Order:
    def __init__(self, order_id, customer):
        self.order_id = order_id
        self.customer = customer
        self.lines = []
        self.status = "new"
        self.total = 0.0

    def add_line(self, line):
        self.lines = [*self.lines, line]

    def cancel(self):
        self.status = "cancelled"

    def summary(self):
        return {"id": self.order_id, "status": self.status, "total": self.total, "lines": len(self.lines)}

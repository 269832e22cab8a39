from ..errors import OutOfStockError
from ..models import Order, OrderLine
from ..utils import audit, log
from . import pricing


class OrderService:
    def __init__(self, products, orders, notifier):
        self.products = products
        self.orders = orders
        self.notifier = notifier

    @audit("place_order")
    def place_order(self, customer, items, code="none"):
        order = Order(self.orders.next_id(), customer)
        for sku, quantity in items:
            product = self.products.get(sku)
            self._reserve(product, quantity)
            order.add_line(OrderLine(product, quantity))
        order.total = pricing.order_total(order, code)
        self.orders.save(order)
        self.notifier.send(customer, f"order {order.order_id} placed")
        return order

    def _reserve(self, product, quantity):
        if not product.is_available(quantity):
            raise OutOfStockError(f"{product.sku} out of stock")
        product.take(quantity)

    def cancel(self, order_id):
        order = self.orders.get(order_id)
        order.cancel()
        log(f"cancelled {order_id}")
        return order

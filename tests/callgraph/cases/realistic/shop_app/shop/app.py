from .handlers import dispatch
from .models import Product
from .notifications import EmailNotifier
from .repositories import OrderRepository, ProductRepository
from .services.orders import OrderService
from .utils import log


class App:
    def __init__(self, service, products):
        self.service = service
        self.products = products

    def handle(self, path, payload):
        log(f"request {path}")
        return dispatch(self.service, path, payload)

    def seed(self, rows):
        for sku, name, price, stock in rows:
            self.products.add_product(Product(sku, name, price, stock))
        return self.products.count()


def create_app():
    products = ProductRepository()
    orders = OrderRepository()
    service = OrderService(products, orders, EmailNotifier("shop@example.com"))
    return App(service, products)

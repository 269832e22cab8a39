class ShopError(Exception):
    def __init__(self, message, code=400):
        self.message = message
        self.code = code


class NotFoundError(ShopError):
    def __init__(self, kind, key):
        super().__init__(f"{kind} {key} not found", code=404)


class OutOfStockError(ShopError):
    pass

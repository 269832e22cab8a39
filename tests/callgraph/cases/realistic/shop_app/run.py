from shop import create_app

SEED = [("apple", "Apple", 0.5, 10), ("pear", "Pear", 0.75, 2)]


def main():
    app = create_app()
    app.seed(SEED)
    print(app.handle("/orders", {"customer": "ann", "items": [{"sku": "apple", "qty": "3"}], "code": "ten"}))
    print(app.handle("/orders", {"customer": "bob", "items": [{"sku": "pear", "qty": "5"}]}))
    print(app.handle("/orders/cancel", {"order_id": 1}))
    print(app.handle("/missing", {}))
    print(app.handle("/health", {}))


if __name__ == "__main__":
    main()

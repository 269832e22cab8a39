class Store:
    def put(self, value):
        return value


class Other:
    def put(self, value):
        return None


def process(store: Store):
    return store.put(1)


process(Store())

class Store:
    def save(self, item):
        return item


class CachedStore(Store):
    def save(self, item):
        return super().save(item)


class LoggedStore(CachedStore):
    def save(self, item):
        print("saving")
        return super().save(item)


LoggedStore().save(1)

def audit(obj):
    return obj.describe()


class Account:
    def describe(self):
        return "account"

    def close(self):
        return audit(self)


Account().close()

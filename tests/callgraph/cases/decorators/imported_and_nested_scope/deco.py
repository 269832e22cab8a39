def traced(func):
    func.traced = True
    return func


def singleton(cls):
    cls.single = True
    return cls

def retry(times):
    def decorate(func):
        def wrapper():
            for _ in range(times):
                result = func()
                if result:
                    return result
            return None

        return wrapper

    return decorate


@retry(3)
def fetch():
    return "data"


fetch()

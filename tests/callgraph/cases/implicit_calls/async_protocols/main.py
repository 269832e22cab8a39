import asyncio


class Connection:
    async def __aenter__(self):
        return Cursor()

    async def __aexit__(self, kind, value, traceback):
        return False


class Cursor:
    def fetch(self):
        return "row"


class Ticker:
    def __init__(self, count):
        self.count = count

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.count <= 0:
            raise StopAsyncIteration
        self.count -= 1
        return self.count


async def work():
    async with Connection() as cursor:
        cursor.fetch()
    async for _ in Ticker(2):
        pass


asyncio.run(work())

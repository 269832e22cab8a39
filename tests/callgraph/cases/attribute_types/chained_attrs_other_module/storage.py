class Connection:
    def open(self):
        return True


class Database:
    def __init__(self, url):
        self.url = url
        self.conn = Connection()

    def query(self, sql):
        return sql

from storage import Database


class App:
    def __init__(self):
        self.db = Database("memory")

    def boot(self):
        self.db.conn.open()
        return self.db.query("select 1")


App().boot()

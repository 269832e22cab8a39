class Query:
    def where(self, clause):
        self.clause = clause
        return self

    def limit(self, n):
        self.n = n
        return self

    def execute(self):
        return (self.clause, self.n)


Query().where("a = 1").limit(3).execute()

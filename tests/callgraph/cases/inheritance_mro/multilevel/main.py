class A:
    def m(self):
        return "A.m"


class B(A):
    def n(self):
        return "B.n"


class C(B):
    def o(self):
        return self.m() + self.n()


C().o()

class A:
    def m(self):
        return "A.m"

    def n(self):
        return "A.n"

    def p(self):
        return "A.p"


class B(A):
    def m(self):
        return "B.m"


class C(A):
    def m(self):
        return "C.m"

    def n(self):
        return "C.n"


class D(B, C):
    pass


d = D()
d.m()
d.n()
d.p()

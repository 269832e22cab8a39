class Root:
    def base(self):
        return "Root.base"


class A(Root):
    pass


class B(Root):
    def who(self):
        return "B"


class C(Root):
    def where(self):
        return "C"


class D(Root):
    def who(self):
        return "D"


class E(Root):
    def where(self):
        return "E"


class K1(A, B, C):
    pass


class K2(D, B, E):
    pass


class K3(D, A):
    pass


class Z(K1, K2, K3):
    pass


z = Z()
z.who()
z.where()
z.base()

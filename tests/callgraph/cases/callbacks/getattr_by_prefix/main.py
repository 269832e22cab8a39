class Node:
    pass


class Add(Node):
    pass


class Name(Node):
    pass


class Visitor:
    def visit(self, node):
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            return self.generic_visit(node)
        return method(node)

    def generic_visit(self, node):
        return None


class Printer(Visitor):
    def visit_Add(self, node):
        return "+"

    def visit_Name(self, node):
        return "name"

    def describe(self):
        return getattr(self, "name", self.fallback)()

    def fallback(self):
        return "printer"


def run():
    printer = Printer()
    printer.visit(Add())
    printer.visit(Name())
    printer.visit(Node())
    return printer.describe()


run()

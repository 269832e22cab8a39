class Parser:
    @staticmethod
    def tokenize(text):
        return text + " "

    @staticmethod
    def parse(text):
        return Parser.tokenize(text)


p = Parser()
Parser.parse("a")
p.parse("b")

class JsonParser:
    def parse(self, text):
        return {"json": text}


class CsvParser:
    def parse(self, text):
        return {"csv": text}


class XmlParser:
    def parse(self, text):
        return {"xml": text}


def load(text, fmt):
    parser = JsonParser() if fmt == "json" else CsvParser()
    return parser.parse(text)


load("a", "json")

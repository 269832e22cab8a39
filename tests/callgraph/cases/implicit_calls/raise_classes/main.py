class ParseError(Exception):
    def __init__(self, message="bad input"):
        self.message = message


class Config:
    class Missing(LookupError):
        def __init__(self):
            self.key = "missing"

    error = ParseError

    def require(self, key):
        if key == "nested":
            raise Config.Missing
        raise self.error


Alias = ParseError


def by_alias():
    raise Alias


def by_call():
    raise ParseError("call")


def by_name():
    raise ParseError


def by_parameter(kind):
    raise kind


def attempt(function, argument=None):
    try:
        if argument is None:
            function()
        else:
            function(argument)
    except Exception:
        pass


attempt(by_alias)
attempt(by_call)
attempt(by_name)
attempt(by_parameter, Config.Missing)
attempt(Config().require, "nested")
attempt(Config().require, "attr")

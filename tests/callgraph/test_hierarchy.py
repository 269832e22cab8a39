"""Class hierarchies resolved before the solve: bases through every static binding, C3 order."""

from __future__ import annotations

import textwrap

from preflight.callgraph import build, hierarchy, program, summarize


def mro(files: dict[str, str]) -> dict[str, tuple[str, ...]]:
    raws = [summarize(path, textwrap.dedent(text)).raw() for path, text in files.items()]
    return hierarchy.linearize(program.load(raws))


def test_bases_through_imports_aliases_and_attributes() -> None:
    found = mro(
        {
            "pkg/__init__.py": "",
            "pkg/base.py": """
                class Base:
                    class Inner:
                        pass


                Alias = Base
            """,
            "pkg/app.py": """
                import abc
                import pkg.base as b
                from pkg import base
                from pkg.base import Alias


                class FromModule(b.Base):
                    pass


                class FromAlias(Alias, abc.ABC):
                    pass


                class FromClass(base.Base.Inner):
                    pass


                class Mixed(FromModule, FromAlias):
                    pass
            """,
        }
    )
    assert found["pkg.app.FromModule"] == ("pkg.app.FromModule", "pkg.base.Base")
    assert found["pkg.app.FromAlias"] == ("pkg.app.FromAlias", "pkg.base.Base", "x:abc.ABC")
    assert found["pkg.app.FromClass"] == ("pkg.app.FromClass", "pkg.base.Base.Inner")
    assert found["pkg.app.Mixed"] == (
        "pkg.app.Mixed",
        "pkg.app.FromModule",
        "pkg.app.FromAlias",
        "pkg.base.Base",
        "x:abc.ABC",
    )


def test_conditional_and_decorated_bases() -> None:
    found = mro(
        {
            "m.py": """
                import dataclasses

                try:
                    from fast import Parser
                except ImportError:
                    class Parser:
                        pass


                @dataclasses.dataclass
                class Point:
                    x: int


                class Both(Parser):
                    pass


                class Named(Point):
                    pass
            """,
        }
    )
    assert found["m.Both"] == ("m.Both", "m.Parser", "x:fast.Parser")
    assert found["m.Named"] == ("m.Named", "m.Point")


def test_a_base_from_a_call_or_a_parameter_is_not_resolved() -> None:
    """Only bindings count: a class factory's base is unknown, and so is the MRO beyond the class."""
    found = mro(
        {
            "m.py": """
                class Base:
                    def hello(self):
                        pass


                def make(base):
                    class Made(base):
                        pass
                    return Made


                class FromCall(make(Base)):
                    pass
            """,
        }
    )
    assert found["m.make.Made"] == ("m.make.Made",)
    assert found["m.FromCall"] == ("m.FromCall",)


def test_a_cycle_does_not_loop() -> None:
    found = mro({"m.py": "class A(B):\n    pass\n\n\nclass B(A):\n    pass\n"})
    assert found["m.A"][0] == "m.A" and found["m.B"][0] == "m.B"


def test_a_shadowing_base_wins_whatever_the_file_order() -> None:
    """A method in the first base shadows the second's, even when its file is read last."""
    files = {
        "z/first.py": "class First:\n    def run(self):\n        print()\n",
        "a/second.py": "class Second:\n    def run(self):\n        len()\n",
        "m.py": (
            "from z.first import First\nfrom a.second import Second\n\n\n"
            "class Both(First, Second):\n    pass\n\n\ndef main():\n    Both().run()\n"
        ),
    }
    assert build(files).to_pycg()["m.main"] == ["z.first.First.run"]

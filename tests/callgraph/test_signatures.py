"""Declared types and parameters (preflight/callgraph/signatures.py), through `summarize` and `build`."""

from __future__ import annotations

import textwrap

from preflight.callgraph import build, summarize

SHAPES = """\
import copy
import typing as t


class Shape:
    def area(self):
        return 0


class Square(Shape):
    def area(self):
        return 4
"""


def graph(body: str) -> dict[str, list[str]]:
    return build({"m.py": SHAPES + textwrap.dedent(body)}).to_pycg()


def test_an_annotation_names_its_classes_through_optional_union_and_strings() -> None:
    source = "def f(a: 'Shape', b: t.Optional[Square] = None, c: int | Shape = 1) -> Square:\n    pass\n"
    seeds = [
        a for a in summarize("m.py", SHAPES + source).assigns if a.target[0] == "seed" and "m.f" in a.scope
    ]
    assert {a.target[1]: a.value for a in seeds} == {
        "m.f.a": ("t", (("c", "m.Shape"),)),
        "m.f.b": ("t", (("c", "m.Square"),)),
        "m.f.c": ("t", (("c", "m.Shape"),)),
        "m.f#return": ("t", (("c", "m.Square"),)),
    }


def test_a_declared_parameter_nothing_flows_into_is_any_instance_of_the_class_or_below() -> None:
    body = "def measure(shape: Shape):\n    return shape.area()\n\n\nmeasure(copy.copy(Square()))\n"
    assert graph(body)["m.measure"] == ["m.Shape.area", "m.Square.area"]


def test_a_value_that_flows_in_wins_over_the_declaration() -> None:
    body = "def measure(shape: Shape):\n    return shape.area()\n\n\nmeasure(Square())\n"
    assert graph(body)["m.measure"] == ["m.Square.area"]


def test_declared_containers_hold_instances() -> None:
    body = """
    class Canvas:
        shapes: t.List[Shape]
        named: t.Dict[str, Square]

        def total(self):
            return [s.area() for s in self.shapes], self.named["x"].area()


    copy.copy(Canvas()).total()
    """
    assert graph(body)["m.Canvas.total"] == ["m.Shape.area", "m.Square.area"]


def test_a_lambda_is_a_function_whose_calls_are_its_scope_s() -> None:
    body = "def run():\n    apply = lambda shape: shape.area()\n    return apply(Square())\n"
    assert graph(body)["m.run"] == ["m.Square.area"]
    assert "m.run.<lambda1>" not in build({"m.py": SHAPES + body}).functions

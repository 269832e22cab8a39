from __future__ import annotations

import pytest

from preflight.history.code import call_sites, changed_signatures, decision_points, signatures


@pytest.mark.parametrize(
    ("fragment", "points"),
    [
        ("        if x and y:", 2),  # an indented header without its body or function
        ("    return a if b else c", 1),
        ("x = [i for i in y if i or j]", 3),
        ("match x:\n    case 1:\n        pass\n    case _:\n        pass\n", 2),
        ("    try:\n        a()\n    except E:\n        b\n  with open(f) as g:\n", 2),
        ("elif x:\n    while True:\n        pass", 2),
        ("'if' # if or\nreturn value", 0),  # strings and comments are not code
        ("plain = assignment", 0),
    ],
)
def test_decision_points_of_fragments(fragment: str, points: int) -> None:
    assert decision_points(fragment) == points


def test_signatures_normalise_layout_but_not_parameters() -> None:
    one_line = "def f(a, b=(1, 2)):\n    pass\nasync def g(x):"
    exploded = "def f(\n    a,  # first\n    b=(1, 2),\n):\n    pass\nasync def g(x, y):"
    assert signatures(one_line) == {"f": ["a,b=(1,2)"], "g": ["x"]}
    assert changed_signatures(one_line, exploded) == ("g",)
    assert changed_signatures("def h(a,", "def h(a, b,") == ("h",)  # a cut-off multi-line signature
    assert changed_signatures("def k(a):", "x = 1") == ()  # removed, not changed


def test_call_sites_skip_definitions() -> None:
    text = "def f(x):\n    return f(x) + obj.f (1) + g(f(2))\nclass C(Base):\n    C()\n"
    assert call_sites(text) == {"f": 3, "g": 1, "C": 1}

"""signature verdicts that disagree with how Python binds the calls."""

from __future__ import annotations

from preflight.changes.definitions import parse
from preflight.changes.signatures import signature_break


def verdict(old: str, new: str, name: str) -> tuple[str, ...] | None:
    before, after = parse(old.encode()).definitions[name], parse(new.encode()).definitions[name]
    return signature_break(before.parameters, after.parameters)


def test_staticmethod_to_classmethod_keeps_every_call() -> None:
    """C.f(1) and C().f(1) bind the same way: the new `cls` is supplied by Python, not by callers."""
    old = "class C:\n    @staticmethod\n    def f(a, b=1):\n        pass\n"
    new = "class C:\n    @classmethod\n    def f(cls, a, b=1):\n        pass\n"
    assert not verdict(old, new, "C.f")


def test_renaming_a_property_setters_value_breaks_nobody() -> None:
    """`obj.x = v` passes the value by position; the reason must not come from the getter."""
    old = "class C:\n    @property\n    def x(self):\n        pass\n    @x.setter\n    def x(self, v):\n        pass\n"
    new = old.replace("def x(self, v)", "def x(self, value)")
    assert not verdict(old, new, "C.x")


def test_a_syntax_error_in_the_parameters_is_not_a_parameter() -> None:
    """`def run(a, b=):` is unfinished code; tree-sitter's ERROR node is not a parameter named `=`."""
    found = verdict("def run(a, b):\n    return a\n", "def run(a, b=):\n    return a\n", "run")
    assert not any("=" in reason.replace("->", "") for reason in found or ())


def test_a_name_python_reads_as_the_same_is_not_a_rename() -> None:
    """Python normalizes identifiers to NFKC: `ﬁle` and `file` name one parameter."""
    assert verdict("def f(\ufb01le=1):\n    pass\n", "def f(file=1):\n    pass\n", "f") is None


def test_a_staticmethod_made_a_plain_function_argument_is_still_compared() -> None:
    """Only a class body binds self or cls: a module-level def keeps its first parameter."""
    assert verdict("def f(a, b):\n    pass\n", "def f(b, a):\n    pass\n", "f") == (
        "parameter 0 renamed or moved (a -> b)",
        "parameter 1 renamed or moved (b -> a)",
    )


def test_a_method_defined_under_if_in_the_class_body_is_a_method() -> None:
    """attrs 23.2 defined build_class per Python version inside the class body; 24.1 plainly."""
    old = "class C:\n    if X:\n        def f(self):\n            pass\n    else:\n        def f(self):\n            pass\n"
    new = "class C:\n    def f(self):\n        pass\n"
    assert verdict(old, new, "C.f") is None

"""Expressions: decorators, lambdas, assignments, call arguments, containers, return values (through `build`)."""

from __future__ import annotations

from preflight.callgraph import build
from tests.callgraph.helpers import edges


def test_decorators_wrapper_and_identity() -> None:
    source = (
        "def logged(func):\n    def wrapper(*a):\n        return func(*a)\n    return wrapper\n"
        "def register(func):\n    return func\n"
        "@logged\ndef add(): pass\n"
        "@register\ndef alpha(): pass\n"
        "add()\nalpha()\n"
    )
    graph = build({"m.py": source}).to_pycg()
    assert graph["m"] == ["m.alpha", "m.logged", "m.logged.wrapper", "m.register"]
    assert graph["m.logged.wrapper"] == ["m.add"]


def test_external_decorator_keeps_the_function() -> None:
    source = "import functools\n@functools.cache\ndef f(): pass\nf()\n"
    assert edges({"m.py": source}, "m") == ["functools.cache", "m.f"]


def test_lambda_calls_belong_to_the_enclosing_scope() -> None:
    source = "def g(): pass\ndef f():\n    h = lambda: g()\n    h()\n"
    graph = build({"m.py": source})
    assert graph.to_pycg()["m.f"] == ["m.g"]
    assert graph.unresolved == {}


def test_function_assigned_to_a_name() -> None:
    assert edges({"m.py": "def g(): pass\nf = g\nf()\n"}, "m") == ["m.g"]


def test_callback_parameter_resolved_from_call_sites() -> None:
    source = "def a(): pass\ndef b(): pass\ndef run(callback):\n    callback()\nrun(a)\nrun(callback=b)\n"
    assert edges({"m.py": source}, "m.run") == ["m.a", "m.b"]


def test_dict_and_list_dispatch() -> None:
    source = (
        "def f(): pass\ndef g(): pass\ndef h(): pass\n"
        "HANDLERS = {'a': f, 'b': g}\nSTEPS = [h]\n"
        "def dispatch(k):\n    HANDLERS[k]()\n    HANDLERS.get(k)()\n    for step in STEPS:\n        step()\n"
    )
    assert edges({"m.py": source}, "m.dispatch") == ["m.f", "m.g", "m.h"]


def test_local_variable_and_return_value_types() -> None:
    source = (
        "class Repo:\n    def save(self): pass\n"
        "def make():\n    return Repo()\n"
        "def main():\n    r = Repo()\n    r.save()\n    make().save()\n"
    )
    assert edges({"m.py": source}, "m.main") == ["m.Repo.save", "m.make"]

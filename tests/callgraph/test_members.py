"""Member resolution: attributes, methods through the MRO, properties, unresolved reasons (through `build`)."""

from __future__ import annotations

from preflight.callgraph import build
from tests.callgraph.helpers import edges


def test_instantiation_edges_to_init_through_the_mro() -> None:
    files = {"m.py": "class A:\n    def __init__(self): pass\nclass B(A): pass\nclass C: pass\nB()\nC()\n"}
    assert edges(files, "m") == ["m.A.__init__"]


def test_self_and_cls_method_calls() -> None:
    source = (
        "class K:\n"
        "    def run(self):\n        self.step()\n        self.make()\n"
        "    def step(self): pass\n"
        "    @classmethod\n    def make(cls):\n        return cls.build()\n"
        "    @staticmethod\n    def build(): pass\n"
        "K().run()\n"
    )
    graph = build({"m.py": source}).to_pycg()
    assert graph["m.K.run"] == ["m.K.make", "m.K.step"]
    assert graph["m.K.make"] == ["m.K.build"]
    assert graph["m.K"] == ["<builtin>.classmethod", "<builtin>.staticmethod"]


def test_c3_mro_and_super() -> None:
    source = (
        "class A:\n    def m(self): pass\n"
        "class B(A):\n    def m(self): super().m()\n"
        "class C(A):\n    def m(self): super().m()\n"
        "class D(B, C):\n    def m(self): super().m()\n"
        "D().m()\n"
    )
    graph = build({"m.py": source}).to_pycg()
    assert graph["m.D.m"] == ["<builtin>.super", "m.B.m"]
    assert graph["m.B.m"] == ["<builtin>.super", "m.C.m"]
    assert graph["m.C.m"] == ["<builtin>.super", "m.A.m"]


def test_inherited_method_and_override_seen_from_the_base() -> None:
    source = (
        "class Base:\n    def run(self): self.step()\n    def step(self): pass\n"
        "class Child(Base):\n    def step(self): pass\n"
        "Child().run()\n"
    )
    graph = build({"m.py": source}).to_pycg()
    assert graph["m"] == ["m.Base.run"]
    assert graph["m.Base.run"] == ["m.Child.step"]


def test_property_read_calls_the_getter() -> None:
    source = "class O:\n    @property\n    def total(self): return 1\no = O()\nprint(o.total)\n"
    assert edges({"m.py": source}, "m") == ["<builtin>.print", "m.O.total"]


def test_attribute_typed_by_constructor_assignment() -> None:
    source = (
        "class Repo:\n    def save(self): pass\n"
        "class Service:\n    def __init__(self):\n        self.repo = Repo()\n"
        "    def run(self):\n        self.repo.save()\n"
        "Service().run()\n"
    )
    assert edges({"m.py": source}, "m.Service.run") == ["m.Repo.save"]


def test_unresolved_call_sites_are_counted_by_reason() -> None:
    source = (
        "from somewhere import *\n"
        "def f(obj, cb, name):\n"
        "    obj.method()\n"
        "    cb()\n"
        "    getattr(obj, name)()\n"
        "    missing()\n"
    )
    graph = build({"m.py": source})
    assert graph.to_pycg()["m.f"] == ["<builtin>.getattr"]
    assert graph.unresolved == {
        "attribute of unknown object": 1,
        "parameter of unknown value": 1,
        "result of unknown call": 1,
        "star import": 1,
    }

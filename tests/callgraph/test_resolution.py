"""One small program per resolution feature of the call graph, with its exact edges."""

from __future__ import annotations

from preflight.callgraph import FileSummary, build, summarize


def edges(files: dict[str, str], caller: str) -> list[str]:
    return build(files).to_pycg()[caller]


def test_absolute_and_aliased_imports() -> None:
    files = {
        "a/b.py": "def f(): pass\ndef g(): pass\n",
        "main.py": "import a.b\nimport a.b as c\nfrom a.b import g as h\na.b.f()\nc.g()\nh()\n",
    }
    assert edges(files, "main") == ["a.b.f", "a.b.g"]


def test_relative_imports_and_package_module() -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/x.py": "def y(): pass\n",
        "pkg/m.py": "def run(): pass\n",
        "pkg/use.py": "from .x import y as z\nfrom . import m\ndef go():\n    z()\n    m.run()\n",
    }
    assert edges(files, "pkg.use.go") == ["pkg.m.run", "pkg.x.y"]


def test_reexport_through_package_init() -> None:
    files = {
        "src/pkg/__init__.py": "from .impl import f\n",
        "src/pkg/impl.py": "def f(): pass\n",
        "main.py": "from pkg import f\nimport pkg\nf()\npkg.f()\n",
    }
    assert edges(files, "main") == ["pkg.impl.f"]


def test_module_level_code_and_every_function_is_a_key() -> None:
    graph = build({"m.py": "def f(): pass\ndef unused(): pass\nf()\nprint(len([]))\n"})
    assert graph.to_pycg() == {"m": ["<builtin>.len", "<builtin>.print", "m.f"], "m.f": [], "m.unused": []}
    assert graph.functions["m.unused"] == ("m.py", 2, 2)
    assert graph.external == frozenset({"<builtin>.len", "<builtin>.print"})


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


def test_nested_functions_and_closures() -> None:
    source = (
        "def outer():\n    def helper(): pass\n    def inner():\n        helper()\n    inner()\nouter()\n"
    )
    graph = build({"m.py": source}).to_pycg()
    assert graph["m.outer"] == ["m.outer.inner"]
    assert graph["m.outer.inner"] == ["m.outer.helper"]


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


def test_attribute_typed_by_constructor_assignment() -> None:
    source = (
        "class Repo:\n    def save(self): pass\n"
        "class Service:\n    def __init__(self):\n        self.repo = Repo()\n"
        "    def run(self):\n        self.repo.save()\n"
        "Service().run()\n"
    )
    assert edges({"m.py": source}, "m.Service.run") == ["m.Repo.save"]


def test_local_variable_and_return_value_types() -> None:
    source = (
        "class Repo:\n    def save(self): pass\n"
        "def make():\n    return Repo()\n"
        "def main():\n    r = Repo()\n    r.save()\n    make().save()\n"
    )
    assert edges({"m.py": source}, "m.main") == ["m.Repo.save", "m.make"]


def test_external_calls_are_named_not_followed() -> None:
    source = "import os.path\nimport requests\nfrom json import dumps as d\nos.path.join('a')\nrequests.get('u')\nd(1)\n"
    graph = build({"m.py": source})
    assert graph.to_pycg()["m"] == ["json.dumps", "os.path.join", "requests.get"]
    assert graph.external == frozenset({"json.dumps", "os.path.join", "requests.get"})


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


def test_star_import_from_the_repository() -> None:
    files = {"a.py": "def f(): pass\n", "m.py": "from a import *\nf()\n"}
    assert edges(files, "m") == ["a.f"]


def test_functions_map_spans_include_decorators() -> None:
    graph = build({"m.py": "import functools\n\n@functools.cache\ndef f():\n    return 1\n"})
    assert graph.functions == {"m.f": ("m.py", 3, 5)}


def test_summary_json_round_trips_exactly() -> None:
    source = "from .x import y\nclass C(y):\n    @property\n    def p(self): return {'a': [y, *z]}\n"
    summary = summarize("pkg/mod.py", source)
    assert FileSummary.from_bytes(summary.to_bytes()) == summary

"""program: the static tables of a whole program, merged from file summaries."""

from __future__ import annotations

from preflight.callgraph import summarize
from preflight.callgraph.program import Program, add_tables, is_seed, load


def loaded(files: dict[str, str]) -> Program:
    return load(summarize(path, source).raw() for path, source in files.items())


def test_modules_include_packages_without_a_file() -> None:
    program = loaded({"ns/pkg/mod.py": "X = 1\n", "top.py": ""})
    assert program.modules == {"ns", "ns.pkg", "ns.pkg.mod", "top"}
    assert program.module_files == {"ns.pkg.mod", "top"}
    assert program.module_names["ns.pkg.mod"] == frozenset({"X"})


def test_constraints_are_numbered_in_path_order_and_owned_by_their_file() -> None:
    files = {"b.py": "def g(): pass\ng()\n", "a.py": "def f(): pass\nf()\nx = f\n"}
    program = loaded(files)
    assert list(program.owners) == ["a.py", "b.py"]
    a, b = program.owners["a.py"], program.owners["b.py"]
    assert a == tuple(range(len(a)))
    assert b == tuple(range(len(a), len(a) + len(b)))
    assert len(program.constraints) == len(a) + len(b)


def test_self_seeds_are_marked() -> None:
    program = loaded(
        {"m.py": "class K:\n    def run(self):\n        self.step()\n    def step(self): pass\n"}
    )
    assert program.seeds
    assert all(is_seed(program.constraints[i] or ()) for i in program.seeds)
    assert not any(is_seed(c or ()) for i, c in enumerate(program.constraints) if i not in program.seeds)


def test_same_named_definitions_become_one_span() -> None:
    source = "if X:\n    def f():\n        pass\nelse:\n    def f():\n        return 1\n"
    program = loaded({"m.py": source})
    assert program.spans["m.f"] == ("m.py", 2, 6)
    assert "m.f" in program.functions


def test_property_setter_keeps_the_getters_kind() -> None:
    source = "class C:\n    @property\n    def x(self): return 1\n    @x.setter\n    def x(self, v): pass\n"
    program = loaded({"m.py": source})
    assert program.functions["m.C.x"].kind == "property"
    assert "m.C.x.v" in program.params


def test_add_tables_merges_a_second_file_of_one_module() -> None:
    program = Program()
    add_tables(program, summarize("m.py", "A = 1\n").raw())
    add_tables(program, summarize("m.py", "B = 1\nfrom z import *\n").raw())
    assert program.module_names["m"] == frozenset({"A", "B"})
    assert program.stars["m"] == ("z",)


def test_star_source_follows_star_imports_of_repository_modules() -> None:
    program = loaded(
        {
            "a.py": "from b import *\nfrom outside import *\n",
            "b.py": "from c import *\nB = 1\n",
            "c.py": "def deep(): pass\nfrom a import *\n",
        }
    )
    assert program.star_source("a", "B") == "b"
    assert program.star_source("a", "deep") == "b"
    assert program.star_source("b", "deep") == "c"
    assert program.star_source("a", "missing") is None
    assert program.star_source("a", "B") == "b"  # memoized answer

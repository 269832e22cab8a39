"""tables: which slots a change to the program's tables makes dirty."""

from __future__ import annotations

from preflight.callgraph import summarize
from preflight.callgraph.file_summary import RawSummary
from preflight.callgraph.hierarchy import linearize
from preflight.callgraph.incremental import scratch
from preflight.callgraph.program import load
from preflight.callgraph.tables import changed_slots

BEFORE = {
    "a.py": "def f(x): pass\nclass K:\n    def m(self): pass\n",
    "b.py": "from a import *\nf(1)\nK().m()\n",
}


def dirty(after: dict[str, str], changed: list[str]) -> set[str]:
    raws = {path: summarize(path, source).raw() for path, source in BEFORE.items()}
    before = scratch(raws)
    new_raws: dict[str, RawSummary] = {path: summarize(path, source).raw() for path, source in after.items()}
    program = load(new_raws.values())
    program.mro = linearize(program)
    changed_raws = [raw for path in changed for raw in (raws.get(path), new_raws.get(path)) if raw]
    return changed_slots(before, program, changed_raws)


def test_unchanged_tables_dirty_nothing() -> None:
    assert dirty(BEFORE, ["a.py"]) == set()


def test_a_new_module_dirties_its_module_slot() -> None:
    assert "mod:c" in dirty({**BEFORE, "c.py": "X = 1\n"}, ["c.py"])


def test_a_new_name_dirties_its_slot_and_the_star_importers_lookups() -> None:
    found = dirty({**BEFORE, "a.py": BEFORE["a.py"] + "g = 1\n"}, ["a.py"])
    assert "a.g" in found


def test_changed_parameters_dirty_the_slots_naming_the_function() -> None:
    assert dirty({**BEFORE, "a.py": BEFORE["a.py"].replace("def f(x)", "def f(x, y)")}, ["a.py"])


def test_changed_bases_dirty_the_slots_naming_the_class() -> None:
    after = {**BEFORE, "a.py": "class Base: pass\n" + BEFORE["a.py"].replace("class K:", "class K(Base):")}
    assert dirty(after, ["a.py"])

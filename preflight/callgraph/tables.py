"""Which slots a change to the program's tables makes dirty (see incremental.py).

The solver consults tables as well as slots: a module's names, the set of modules, star
imports, a function's kind and parameters, a class's MRO and the names its body binds.
Lookups of module names are recorded as reads of slots (names.py), so a changed name
dirties its slot; a changed function or class dirties every slot holding a value that
names it, since every lookup through it started from such a value.
"""

from __future__ import annotations

from preflight.callgraph.file_summary import RawSummary
from preflight.callgraph.program import Program
from preflight.callgraph.state import Solved


def changed_slots(before: Solved, program: Program, raws: list[RawSummary]) -> set[str]:
    """The slots whose readers a change of some files may answer differently; raws: those files'
    summaries, before and now."""
    old = before.program
    dirty: set[str] = set()
    moved = (old.modules ^ program.modules) | (old.module_files ^ program.module_files)
    dirty.update("mod:" + module for module in moved)
    touched = {raw[1] for raw in raws}
    starred = set(moved)
    for module in touched:
        names_before = old.module_names.get(module, frozenset())
        names_now = program.module_names.get(module, frozenset())
        dirty.update(f"{module}.{name}" for name in names_before ^ names_now)
        if names_before != names_now:
            starred.add(module)
        if old.stars.get(module) != program.stars.get(module):
            starred.add(module)
            dirty |= _lookups_in(before, {module})
    dirty |= _lookups_in(before, _star_importers(old, program, starred))
    # A table's entry for a name is made from the files that define it: only the changed files'
    # definitions (before and now) can have changed.
    functions = {
        name
        for name in {function[0] for raw in raws for function in raw[3]}
        if name in old.functions
        and name in program.functions
        and (old.functions[name].kind, old.functions[name].params)
        != (program.functions[name].kind, program.functions[name].params)
    }
    classes = _changed_classes(old, program, {cls[0] for raw in raws for cls in raw[4]})
    if functions or classes:
        dirty |= _naming(before, functions, classes)
    was, now = old.identities(), program.identities()
    flipped = {f for f in was.keys() | now.keys() if was.get(f) != now.get(f)}
    dirty.update(f"{function}#return" for function in flipped)  # its calls read it (Calls.invoke)
    for cls in classes:  # the classes above it now have other subclasses (see Program.cone)
        dirty.update("cone:" + entry for entry in (*old.mro.get(cls, ()), *program.mro.get(cls, ())))
    return dirty


def _star_importers(old: Program, new: Program, modules: set[str]) -> set[str]:
    """Modules that star-import one of modules, directly or through other star imports."""
    importers: dict[str, set[str]] = {}
    for program in (old, new):
        for module, stars in program.stars.items():
            for star in stars:
                importers.setdefault(star, set()).add(module)
    found: set[str] = set()
    stack = list(modules)
    while stack:
        for importer in importers.get(stack.pop(), ()):
            if importer not in found:
                found.add(importer)
                stack.append(importer)
    return found


def _lookups_in(before: Solved, modules: set[str]) -> set[str]:
    """The module-level name slots of modules that anything looked up."""
    if not modules:
        return set()
    out = set()
    for slot in before.state.readers:
        owner, _, name = slot.rpartition(".")
        if owner in modules and "#" not in name:
            out.add(slot)
    return out


def _changed_classes(old: Program, new: Program, defined: set[str]) -> set[str]:
    """Classes whose MRO changed, or one of whose MRO's classes binds other names now; defined:
    the classes the changed files define (before and now)."""
    names = {cls for cls in defined if old.class_names.get(cls) != new.class_names.get(cls)}
    out = set(names)
    if old.mro is new.mro and not names:  # kept (incremental.renumber): no MRO changed
        return out
    for cls in old.mro.keys() | new.mro.keys():
        before, now = old.mro.get(cls, ()), new.mro.get(cls, ())
        if before != now or any(entry in names for entry in (*before, *now)):
            out.add(cls)
    return out


def _naming(before: Solved, functions: set[str], classes: set[str]) -> set[str]:
    """Slots holding a value that names one of the functions or classes."""
    out = set()
    for slot, values in before.state.slots.items():
        for value in values:
            tag = value[0]
            if tag == "c" or tag == "o":
                hit = value[2:] in classes
            elif tag == "f":
                hit = value[2:] in functions
            elif tag == "b" or tag == "u":
                first, receiver = value[2:].split("|", 1)
                hit = first in functions or first in classes or receiver[2:] in classes
            else:
                continue
            if hit:
                out.add(slot)
                break
    return out

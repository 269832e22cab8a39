"""Which value a name, or an element under a constant key, holds at a point of a function or module body.

The solver is flow-insensitive: a variable's slot holds every value ever assigned to it. In
straight-line code the summarizer knows better: after `action = first; action = second`, a
read of `action` is `second` only, and after `d["k"] = f1; d["k"] = f2`, `d["k"]` is `f2`. A
read then gets the expression last assigned (a version) instead of the slot; the slot still
receives every value, for everyone who reads it later (nested functions, other modules).

Sound for control flow: the branches of an `if` are merged (a name assigned in some is any of
their values); in and after a loop, `try`, `with` or `match`, a name bound anywhere inside is
read from its slot. A name written from a nested scope (`nonlocal`, `global`) is never
versioned from then on. An element version needs the container to be a literal bound here
that nothing else can reach: any other use of the name (an alias, an argument, a method call
but `append`), a write under a key that is not a constant, or a nested scope reading the name
drops it. A generator expression runs later: reads inside it get the slot.
"""

from __future__ import annotations

from preflight.callgraph.file_summary import Expr

Key = str | int
Elements = tuple[dict[Key, Expr], int | None]
"""Values by constant key, and a list's length when known."""
State = tuple[dict[str, Expr], dict[str, Elements]]


class Flow:
    """The versions of one function's or module's names while its body is summarized."""

    __slots__ = ("captured", "elements", "fixed", "lazy", "nested", "sites", "versions")

    def __init__(self) -> None:
        self.versions: dict[str, Expr] = {}
        self.elements: dict[str, Elements] = {}
        self.fixed: set[str] = set()
        """Names written from a nested scope: always read from their slot."""
        self.captured: set[str] = set()
        """Names a nested scope reads: it may change their elements whenever it runs."""
        self.sites: dict[str, list[int]] = {}
        """Name -> start bytes of the statements that bind it (see scopes.collect_bindings)."""
        self.nested: list[int] = []
        """Start bytes of nested function and class definitions (they may declare `nonlocal`)."""
        self.lazy = 0
        """Inside a generator expression (depth): its reads happen later."""

    def read(self, name: str, escape: bool) -> Expr | None:
        """The version of name, if it has one; a plain read lets the container escape."""
        if escape and name in self.elements:
            del self.elements[name]
        return None if self.lazy else self.versions.get(name)

    def assign(self, name: str, value: Expr) -> None:
        """name is bound to value (a literal's elements are set by `literal` after)."""
        self.elements.pop(name, None)
        if name not in self.fixed and known(value):
            self.versions[name] = value
        else:
            self.versions.pop(name, None)

    def fix(self, name: str) -> None:
        """name is written from elsewhere from now on: no version, no elements."""
        self.fixed.add(name)
        self.versions.pop(name, None)
        self.elements.pop(name, None)

    def capture(self, name: str) -> None:
        """A nested scope reads name: it may change the container's elements whenever it runs."""
        self.captured.add(name)
        self.elements.pop(name, None)

    def literal(self, name: str, elements: dict[Key, Expr], length: int | None) -> None:
        """name was just bound to a container literal with these elements."""
        if name not in self.fixed and name not in self.captured and not self.lazy:
            self.elements[name] = ({k: v for k, v in elements.items() if known(v)}, length)

    def element(self, name: str, key: Key) -> Expr | None:
        """The version of name[key], if known."""
        found = self.elements.get(name)
        if found is None or self.lazy:
            return None
        values, length = found
        if isinstance(key, int) and key < 0:
            if length is None:
                return None
            key += length
        return values.get(key)

    def store(self, name: str, key: Key | None, value: Expr) -> None:
        """name[key] = value (key None: not a constant, every element may have changed)."""
        found = self.elements.get(name)
        if found is None:
            return
        values, length = found
        if isinstance(key, int) and key < 0 and length is not None:
            key += length
        if key is None or (isinstance(key, int) and (key < 0 or (length is not None and key >= length))):
            del self.elements[name]  # an unknown or out-of-range index: nothing certain is left
        elif known(value):
            values[key] = value
        else:
            values.pop(key, None)

    def append(self, name: str, value: Expr) -> bool:
        """name.append(value) on a tracked list; False when name is not one."""
        found = self.elements.get(name)
        if found is None:
            return False
        values, length = found
        if length is None:
            return False
        if known(value):
            values[length] = value
        self.elements[name] = (values, length + 1)
        return True

    def end(self, saved: dict[str, Expr | None]) -> None:
        """A comprehension's variables go out of scope: the names have their earlier versions back."""
        for name, version in saved.items():
            self.elements.pop(name, None)
            if version is None or name in self.fixed:
                self.versions.pop(name, None)
            else:
                self.versions[name] = version

    def snapshot(self) -> State:
        """The current state, to come back to for the next branch."""
        return dict(self.versions), {n: (dict(v), k) for n, (v, k) in self.elements.items()}

    def restore(self, state: State) -> None:
        """Go back to a snapshot (the snapshot is copied: it can be restored again)."""
        versions, elements = state
        fixed, captured = self.fixed, self.captured  # what a branch fixed stays fixed
        self.versions = {n: v for n, v in versions.items() if n not in fixed}
        self.elements = {
            n: (dict(v), k) for n, (v, k) in elements.items() if n not in fixed and n not in captured
        }

    def merge(self, states: list[State]) -> None:
        """After branches: a name is any of the versions the branches left (its slot if one left none);
        an element is kept only where every branch left the same."""
        first_versions, first_elements = states[0]
        versions: dict[str, Expr] = {}
        for name, value in first_versions.items():
            if name in self.fixed:
                continue
            found = [value]
            for other, _ in states[1:]:
                version = other.get(name)
                if version is None:
                    break
                found.append(version)
            else:
                versions[name] = _union(found)
        elements: dict[str, Elements] = {}
        for name, (values, length) in first_elements.items():
            if name in self.fixed or name in self.captured:
                continue
            others = [other.get(name) for _, other in states[1:]]
            if any(other is None for other in others):
                continue
            same = {
                key: value
                for key, value in values.items()
                if all(other is not None and other[0].get(key) == value for other in others)
            }
            lengths = {length, *(other[1] for other in others if other is not None)}
            elements[name] = (same, length if len(lengths) == 1 else None)
        self.versions, self.elements = versions, elements

    def forget(self, start: int, end: int) -> None:
        """Before and after a loop, `try`, `with` or `match` (bytes start to end): names bound
        inside are read from their slots, and no element is certain."""
        self.elements.clear()
        if not self.versions:
            return
        if any(start <= offset < end for offset in self.nested):
            self.versions.clear()  # a nested function there may rebind any name (`nonlocal`)
            return
        for name in [n for n in self.versions if any(start <= o < end for o in self.sites.get(n, ()))]:
            del self.versions[name]


def known(value: Expr) -> bool:
    """value is known by its expression (see the module docstring): nothing in it is a call's
    result (a new container literal is known, whatever its elements), nor untracked."""
    kind = value[0]
    if kind == "s":
        slot: str = value[1]
        return "#r" not in slot
    if kind == "|":
        return all(known(item) for item in value[1])
    if kind in _DERIVED:  # an attribute, element or `super()` of something: known if that is
        inner: Expr = value[2] if kind == "u" else value[1]
        return known(inner)
    return bool(kind != "?")


_DERIVED = frozenset({"a", "e", "n", "e1", "v", "u"})


def _union(values: list[Expr]) -> Expr:
    """One expression for any of values (flattened, without repeats)."""
    out: list[Expr] = []
    for value in values:
        for item in value[1] if value[0] == "|" else (value,):
            if item not in out:
                out.append(item)
    return out[0] if len(out) == 1 else ("|", tuple(out))

"""Property: for generated edits, tree-sitter classification agrees with the independent `ast` oracle."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.ast_oracle import classify as oracle_classify
from preflight.changes.changeset import classify_sources


@dataclass(frozen=True)
class Func:
    """A generated function; rendering it gives real Python source."""

    name: str
    constant: int
    default: int = 1
    is_async: bool = False
    decorator: str | None = None
    docstring: str | None = None
    comment: bool = False
    spaced: bool = False
    inner: int | None = None
    owner: str | None = None

    def render(self) -> str:
        pad = "    " if self.owner else ""
        lines = []
        if self.decorator:
            lines.append(f"{pad}@{self.decorator}")
        prefix = "async def" if self.is_async else "def"
        lines.append(f"{pad}{prefix} {self.name}(a, b={self.default}):")
        if self.docstring:
            lines.append(f'{pad}    """{self.docstring}"""')
        if self.comment:
            lines.append(f"{pad}    # a note about {self.name}")
        if self.inner is not None:
            lines.append(f"{pad}    def helper(x):")
            lines.append(f"{pad}        return x * {self.inner}")
        expression = f"a  +  b  *  {self.constant}" if self.spaced else f"a + b * {self.constant}"
        lines.append(f"{pad}    return ({expression})" if self.spaced else f"{pad}    return {expression}")
        return "\n".join(lines)


def render(funcs: list[Func]) -> str:
    """Top-level functions first, then class members grouped by class."""
    parts = [f.render() for f in funcs if f.owner is None]
    for owner in sorted({f.owner for f in funcs if f.owner}):
        members = "\n\n".join(f.render() for f in funcs if f.owner == owner)
        parts.append(f"class {owner}:\n{members}")
    return "\n\n\n".join(parts) + "\n"


NAMES = st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"])


@st.composite
def modules(draw: st.DrawFn) -> list[Func]:
    names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    funcs = []
    for i, name in enumerate(names):
        funcs.append(
            Func(
                name=name,
                constant=100 + i,  # unique code, so renames are unambiguous
                is_async=draw(st.booleans()),
                decorator=draw(st.sampled_from([None, "cache", "route('/x')"])),
                docstring=draw(st.sampled_from([None, "Doc.", "Other doc."])),
                inner=draw(st.sampled_from([None, 2, 3])),
                owner=draw(st.sampled_from([None, None, "Service", "Repo"])),
            )
        )
    return funcs


EDITS = (
    "body",
    "default",
    "async",
    "decorator",
    "docstring",
    "comment",
    "spaces",
    "rename",
    "remove",
    "add",
    "inner",
    "move_class",
    "reorder",
)


def apply(funcs: list[Func], edit: str, index: int) -> list[Func]:
    """One edit of one kind to the function at index (modulo length)."""
    funcs = list(funcs)
    i = index % len(funcs)
    f = funcs[i]
    if edit == "body":
        funcs[i] = replace(f, constant=f.constant + 1000)
    elif edit == "default":
        funcs[i] = replace(f, default=f.default + 1)
    elif edit == "async":
        funcs[i] = replace(f, is_async=not f.is_async)
    elif edit == "decorator":
        funcs[i] = replace(f, decorator=None if f.decorator else "staticmethod")
    elif edit == "docstring":
        funcs[i] = replace(f, docstring=(f.docstring or "") + " More.")
    elif edit == "comment":
        funcs[i] = replace(f, comment=not f.comment)
    elif edit == "spaces":
        funcs[i] = replace(f, spaced=not f.spaced)
    elif edit == "rename":
        funcs[i] = replace(f, name=f.name + "_renamed")
    elif edit == "remove":
        del funcs[i]
    elif edit == "add":
        funcs.append(Func(name=f"added_{index}", constant=5000 + index))
    elif edit == "inner":
        funcs[i] = replace(f, inner=None if f.inner else 7)
    elif edit == "move_class":
        funcs[i] = replace(f, owner=None if f.owner else "Moved")
    elif edit == "reorder":
        funcs.reverse()
    return funcs


def preflight_view(old: str, new: str) -> set[tuple[str, str, str | None, frozenset[str]]]:
    functions, _ = classify_sources({"pkg/mod.py": old}, {"pkg/mod.py": new})
    return {
        (
            f.kind.value,
            f.qualname,
            f.old_qualname if f.kind.value != "added" else None,
            frozenset(a.value for a in f.aspects),
        )
        for f in functions
    }


def oracle_view(old: str, new: str) -> set[tuple[str, str, str | None, frozenset[str]]]:
    changes = oracle_classify({"pkg/mod.py": old}, {"pkg/mod.py": new}, {})
    return {(c.kind, c.qualname, c.old_qualname if c.kind != "added" else None, c.aspects) for c in changes}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    modules(),
    st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 10)), min_size=1, max_size=4),
)
def test_classification_matches_ast_oracle(funcs: list[Func], edits: list[tuple[str, int]]) -> None:
    after = funcs
    for edit, index in edits:
        if after:
            after = apply(after, edit, index)
    old, new = render(funcs), render(after)
    assert preflight_view(old, new) == oracle_view(old, new), f"--- old\n{old}\n--- new\n{new}"

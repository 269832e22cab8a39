"""Function classification end to end: real git commits, real tree-sitter."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from preflight.changes.changeset import analyze
from preflight.models import ChangeSet
from tests.conftest import commit


def change(repo: Path, before: Mapping[str, str], after: Mapping[str, str | None]) -> ChangeSet:
    """Commit before, then after, and analyze the second commit against the first."""
    base = commit(repo, {k: textwrap.dedent(v) for k, v in before.items()}, "before")
    commit(repo, {k: textwrap.dedent(v) if v is not None else None for k, v in after.items()}, "after")
    return analyze(repo, base=base)


def kinds(changes: ChangeSet) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {f.qualname: (f.kind.value, tuple(a.value for a in f.aspects)) for f in changes.functions}


def test_body_signature_decorator_docstring_aspects(git_repo: Path) -> None:
    before = '''
        def body(x):
            return x + 1

        def sig(x, y=1):
            return x

        @cache
        def deco():
            return 1

        def doc():
            """Old."""
            return 1

        async def became_sync():
            return 1

        def annotated(x: int) -> int:
            return x
        '''
    after = '''
        def body(x):
            return x + 2

        def sig(x, y=2):
            return x

        @lru_cache(maxsize=1)
        def deco():
            return 1

        def doc():
            """New."""
            return 1

        def became_sync():
            return 1

        def annotated(x: str) -> int:
            return x
        '''
    assert kinds(change(git_repo, {"m.py": before}, {"m.py": after})) == {
        "m.body": ("modified", ("body",)),
        "m.sig": ("modified", ("signature",)),
        "m.deco": ("modified", ("decorators",)),
        "m.doc": ("modified", ("docstring",)),
        "m.became_sync": ("modified", ("signature",)),
        "m.annotated": ("modified", ("signature",)),
    }


def test_comment_and_formatting_only_edits_are_cosmetic(git_repo: Path) -> None:
    before = """
        def f(a, b):
            return a+b

        def g():
            x = {'k': 1, "j": [1,2,3]}
            return (x)

        def h():
            return 0xff
        """
    after = """
        def f(a, b):
            # add them
            return a + b  # really

        def g():
            x = {
                "k": 1,
                "j": [1, 2, 3,],
            }
            return x

        def h():
            return 255
        """
    assert kinds(change(git_repo, {"m.py": before}, {"m.py": after})) == {
        "m.f": ("cosmetic", ()),
        "m.g": ("cosmetic", ()),
        "m.h": ("cosmetic", ()),
    }


def test_same_method_name_in_two_classes_never_merges(git_repo: Path) -> None:
    before = """
        class A:
            def run(self):
                return 1

        class B:
            def run(self):
                return 1
        """
    after = """
        class A:
            def run(self):
                return 1

        class B:
            def run(self):
                return 2
        """
    assert kinds(change(git_repo, {"m.py": before}, {"m.py": after})) == {"m.B.run": ("modified", ("body",))}


def test_moved_block_with_shifted_lines_is_unchanged(git_repo: Path) -> None:
    before = """
        def a():
            return 1

        def b():
            return 2
        """
    after = """
        import os


        def b():
            return 2

        def a():
            return 1
        """
    assert change(git_repo, {"m.py": before}, {"m.py": after}).functions == ()


def test_same_qualname_definitions_are_one_entity(git_repo: Path) -> None:
    before = """
        import sys
        from typing import overload

        class C:
            @property
            def value(self):
                return self._v

            @value.setter
            def value(self, v):
                self._v = v

        @overload
        def f(x: int) -> int: ...
        @overload
        def f(x: str) -> str: ...
        def f(x):
            return x

        if sys.version_info >= (3,):
            def g():
                return 3
        else:
            def g():
                return 2
        """
    after = before.replace("self._v = v", "self._v = int(v)").replace("return 2", "return 0")
    result = change(git_repo, {"m.py": before}, {"m.py": after})
    assert kinds(result) == {"m.C.value": ("modified", ("body",)), "m.g": ("modified", ("body",))}
    value = next(f for f in result.functions if f.qualname == "m.C.value")
    assert value.new_lines is not None and (value.new_lines.start, value.new_lines.end) == (6, 12)


def test_nested_functions_and_classes_at_any_depth(git_repo: Path) -> None:
    before = """
        def outer(a):
            def inner(b):
                return a + b
            return inner

        class Outer:
            class Inner:
                def method(self):
                    return 1

        try:
            import json
        except ImportError:
            def loads(s):
                return s
        """
    after = """
        def outer(a):
            def inner(b):
                return a - b
            return inner

        class Outer:
            class Inner:
                async def method(self):
                    return 1

        try:
            import json
        except ImportError:
            def loads(s):
                return None
        """
    assert kinds(change(git_repo, {"pkg/mod.py": before}, {"pkg/mod.py": after})) == {
        "pkg.mod.outer.inner": ("modified", ("body",)),
        "pkg.mod.Outer.Inner.method": ("modified", ("signature",)),
        "pkg.mod.loads": ("modified", ("body",)),
    }


def test_function_rename_and_move_between_modules(git_repo: Path) -> None:
    before = {
        "a.py": """
            def helper(items):
                total = 0
                for item in items:
                    total += item
                return total

            def stays():
                return 1
            """,
        "b.py": """
            def old_name(x):
                return x * 42
            """,
    }
    after = {
        "a.py": """
            def stays():
                return 1
            """,
        "c.py": """
            def helper(items):
                total = 0
                for item in items:
                    total += item
                return total
            """,
        "b.py": """
            def new_name(x):
                return x * 42
            """,
    }
    result = change(git_repo, before, after)
    renames = {f.qualname: f.old_qualname for f in result.functions if f.kind.value == "renamed"}
    assert renames == {"c.helper": "a.helper", "b.new_name": "b.old_name"}
    assert len(result.functions) == 2


def test_class_rename_carries_its_methods(git_repo: Path) -> None:
    before = """
        class Old:
            def one(self):
                return 1

            def two(self):
                return 2

            def three(self):
                return 3
        """
    after = """
        class New:
            def one(self):
                return 1

            def two(self):
                return 2

            def three(self):
                return 33
        """
    result = change(git_repo, {"m.py": before}, {"m.py": after})
    assert {(f.qualname, f.old_qualname, f.kind.value) for f in result.functions} == {
        ("m.New.one", "m.Old.one", "renamed"),
        ("m.New.two", "m.Old.two", "renamed"),
        ("m.New.three", "m.Old.three", "modified"),
    }


def test_renamed_file_keeps_history(git_repo: Path) -> None:
    body = "\n".join(f"X{i} = {i}" for i in range(30))
    before = f"""
{body}

def same():
    return 1

def edited():
    return 1
"""
    after = before.replace("return 1\n", "return 2\n").replace(
        "def same():\n    return 2", "def same():\n    return 1"
    )
    result = change(git_repo, {"pkg/old.py": before}, {"pkg/old.py": None, "pkg/new.py": after})
    assert result.files[0].status == "renamed"
    assert {(f.qualname, f.old_qualname, f.old_path, f.kind.value) for f in result.functions} == {
        ("pkg.new.same", "pkg.old.same", "pkg/old.py", "renamed"),
        ("pkg.new.edited", "pkg.old.edited", "pkg/old.py", "modified"),
    }


def test_added_and_removed_with_line_counts(git_repo: Path) -> None:
    before = """
        def gone():
            x = 1
            return x
        """
    after = """
        def fresh():
            return 2
        """
    result = change(git_repo, {"m.py": before}, {"m.py": after})
    by_name = {f.qualname: f for f in result.functions}
    assert by_name["m.fresh"].kind.value == "added" and by_name["m.fresh"].added_lines == 2
    assert by_name["m.gone"].kind.value == "removed" and by_name["m.gone"].removed_lines == 3
    assert by_name["m.gone"].old_lines is not None and by_name["m.gone"].new_lines is None


def test_outer_is_unchanged_when_only_inner_changes(git_repo: Path) -> None:
    before = """
        def outer():
            def inner():
                return 1
            return inner()
        """
    after = before.replace("return 1", "return 2  # tweaked")
    assert kinds(change(git_repo, {"m.py": before}, {"m.py": after})) == {
        "m.outer.inner": ("modified", ("body",))
    }

"""Signature compatibility by Python's calling rules: each rule by hand, then a property test
against the independent `ast` + `inspect.Signature.bind` cross-check in bench/signature_oracle.py."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.signature_oracle import breaks as oracle_breaks
from preflight.changes.changeset import analyze, classify_sources
from preflight.cli import main
from preflight.models import Aspect, ChangeKind
from tests.conftest import commit


def verdict(old: str, new: str, name: str = "m.f") -> tuple[str, ...] | None:
    """signature_break of `name` after editing module m from old to new (real tree-sitter)."""
    functions, _ = classify_sources({"m.py": textwrap.dedent(old)}, {"m.py": textwrap.dedent(new)})
    change = next(f for f in functions if f.qualname == name)
    assert change.kind is ChangeKind.MODIFIED and Aspect.SIGNATURE in change.aspects
    return change.signature_break


UNCHANGED = [
    pytest.param(
        "def f(message: t.Optional[t.Any] = None, nl: bool = True) -> None: ...",
        "def f(message: t.Any | None = None, nl: bool = True) -> None: ...",
        id="annotation respelling (click.echo 8.2.0)",
    ),
    pytest.param("def f(a, b): ...", "def f(a: int, b: str) -> bool: ...", id="annotations added"),
    pytest.param("def f(a) -> int: ...", "def f(a) -> str: ...", id="return type"),
    pytest.param("def f(a, *args: int, **kw: str): ...", "def f(a, *args, **kw): ...", id="star annotations"),
    # a leading self is positional-only by convention already: spelling it out changes nothing
    pytest.param("def f(self, a): ...", "def f(self, /, a): ...", id="self made positional-only"),
]

COMPATIBLE = [
    pytest.param("def f(a, b=1): ...", "def f(a, b=2): ...", id="default value changed"),
    pytest.param("def f(a, b=1): ...", "def f(a, b=1, c=None): ...", id="new trailing positional default"),
    pytest.param("def f(a, *, b=1): ...", "def f(a, *, b=1, c=None): ...", id="new keyword-only default"),
    pytest.param("def f(a): ...", "def f(a, *, timeout=None): ...", id="keyword-only section added"),
    pytest.param("def f(a): ...", "def f(a, *args): ...", id="*args added"),
    pytest.param("def f(a): ...", "def f(a, **kwargs): ...", id="**kwargs added"),
    pytest.param("def f(a, b): ...", "def f(a, b=None): ...", id="default added"),
    pytest.param("def f(a, /): ...", "def f(x, /): ...", id="positional-only renamed"),
    pytest.param("def f(a, /, b): ...", "def f(a, b): ...", id="positional-only opened to keywords"),
    pytest.param(
        "def f(a, /, **kw): ...", "def f(a, /, b=0, **kw): ...", id="keyword **kwargs took now named"
    ),
    pytest.param("def f(a, *, b): ...", "def f(a, b): ...", id="keyword-only opened to position"),
    pytest.param(
        "def f(a, *, proxies=None): ...", "def f(a, **kwargs): ...", id="**kwargs takes a removed keyword"
    ),
    pytest.param("def f(**kw): ...", "def f(*, timeout=None, **kw): ...", id="keyword made explicit"),
    pytest.param("def f(self, a): ...", "def f(self, a, b=0): ...", id="method: self is parameter 0"),
    # conventions: a leading self/cls and leading __names are positional-only (nobody passes them by name)
    pytest.param("def f(self, a): ...", "def f(cls, a): ...", id="self renamed"),
    pytest.param(
        "def f(__self, __callback, *args, **kwargs): ...",
        "def f(self, callback, /, *args, **kwargs): ...",
        id="PEP 484 positional-only names spelled with /",
    ),
]

BREAKING = [
    pytest.param(
        "def f(a, *, app=None, proxies=None, timeout=5): ...",
        "def f(a, *, timeout=5, mounts=None): ...",
        ("keyword app no longer accepted", "keyword proxies no longer accepted"),
        id="keywords removed (httpx 0.28 Client.__init__)",
    ),
    pytest.param(
        "def f(a, b): ...",
        "def f(b, a): ...",
        ("parameter 0 renamed or moved (a -> b)", "parameter 1 renamed or moved (b -> a)"),
        id="positional reordered",
    ),
    pytest.param(
        "def f(a, b): ...", "def f(a, c): ...", ("parameter 1 renamed or moved (b -> c)",), id="renamed"
    ),
    pytest.param(
        "def f(a, b=1): ...", "def f(a): ...", ("parameter 1 (b) removed",), id="positional removed"
    ),
    pytest.param("def f(a, b): ...", "def f(a, b, c): ...", ("new required parameter c",), id="new required"),
    pytest.param(
        "def f(a): ...", "def f(a, *, c): ...", ("new required parameter c",), id="new required keyword-only"
    ),
    pytest.param(
        "def f(a, timeout=5): ...",
        "def f(a, timeout): ...",
        ("timeout is now required",),
        id="default taken away",
    ),
    pytest.param(
        "def f(a, *, timeout=5): ...",
        "def f(a, *, timeout): ...",
        ("timeout is now required",),
        id="keyword-only default taken away",
    ),
    pytest.param("def f(a, *args): ...", "def f(a): ...", ("*args no longer accepted",), id="*args removed"),
    pytest.param(
        "def f(a, **kw): ...", "def f(a): ...", ("**kwargs no longer accepted",), id="**kwargs removed"
    ),
    pytest.param("def f(a): ...", "async def f(a): ...", ("async changed",), id="sync to async"),
    pytest.param("async def f(a): ...", "def f(a): ...", ("async changed",), id="async to sync"),
    pytest.param(
        "def f(a, b): ...", "def f(a, *, b): ...", ("b is now keyword-only",), id="made keyword-only"
    ),
    pytest.param(
        "def f(a, b): ...",
        "def f(a, b, /): ...",
        ("a is now positional-only", "b is now positional-only"),
        id="made positional-only",
    ),
    pytest.param(
        "def f(a, /, b=None): ...",
        "def f(b, /, a=None): ...",
        (
            "parameter 0 renamed or moved (a -> b)",
            "parameter 1 renamed or moved (b -> a)",
            "b is now required",
        ),
        id="positional-only moved, not renamed",
    ),
    pytest.param(
        "def f(a, *args): ...",
        "def f(a, b=None, *args): ...",
        ("parameter 1 renamed or moved (*args -> b)",),
        id="new parameter takes what *args took",
    ),
    pytest.param(
        "def f(a, b=None): ...",
        "def f(a, *args): ...",
        ("parameter 1 renamed or moved (b -> *args)",),
        id="positional swallowed by *args",
    ),
    pytest.param(
        "def f(a, b=None): ...",
        "def f(a, **kw): ...",
        ("parameter 1 (b) removed",),
        id="kwargs do not take positions",
    ),
    pytest.param(
        "def f(a, /, **kw): ...",
        "def f(a, **kw): ...",
        ("keyword a, taken by **kwargs, now clashes with parameter 0",),
        id="positional-only opened to keywords beside **kwargs",
    ),
]


@pytest.mark.parametrize(("old", "new"), UNCHANGED)
def test_unchanged_parameters_are_none(old: str, new: str) -> None:
    assert verdict(old, new) is None
    assert not oracle_breaks(old, new)


def test_type_parameters_are_not_parameters() -> None:
    # PEP 695 syntax: tree-sitter reads it on any Python (the ast cross-check needs 3.12).
    assert verdict("def f[T](a: T) -> T: ...", "def f[U](a: U) -> U: ...") is None


@pytest.mark.parametrize(("old", "new"), COMPATIBLE)
def test_compatible_changes_are_empty(old: str, new: str) -> None:
    assert verdict(old, new) == ()
    assert not oracle_breaks(old, new)


@pytest.mark.parametrize(("old", "new", "reasons"), BREAKING)
def test_breaking_changes_say_why(old: str, new: str, reasons: tuple[str, ...]) -> None:
    assert verdict(old, new) == reasons
    assert oracle_breaks(old, new)


def test_added_overloads_break_nothing() -> None:
    old = """
        import typing as t

        def get(key, default=None): ...
    """
    new = """
        import typing as t

        @t.overload
        def get(key: str) -> str | None: ...
        @t.overload
        def get(key: str, default: int) -> int: ...
        def get(key, default=None): ...
    """
    assert verdict(old, new, "m.get") == ()


def test_an_overload_stub_is_not_the_implementation() -> None:
    # The implementation dropped `default`; the stub that still shows it does not hide the break.
    old = "def get(key, default=None): ...\n"
    new = """
        from typing import overload

        @overload
        def get(key, default: int) -> int: ...
        def get(key): ...
    """
    assert verdict(old, new, "m.get") == ("parameter 1 (default) removed",)


def test_stubs_without_implementation_compare_overload_by_overload() -> None:
    # A .pyi-style group of overloads and no implementation: each old stub needs a new one that fits.
    old = "@overload\ndef get(key: str) -> str: ...\n@overload\ndef get(key: str, default: int) -> int: ...\n"
    kept = old + "@overload\ndef get(key: bytes, *, strict: bool = False) -> bytes: ...\n"
    dropped = "@overload\ndef get(key: str) -> str: ...\n"
    assert verdict(old, kept, "m.get") == ()
    assert verdict(old, dropped, "m.get") == ("parameter 1 (default) removed",)


def test_comments_between_parameters_are_not_parameters() -> None:
    old = "def split(  # type: ignore[override]\n    self, sep=None, maxsplit=-1\n): ...\n"
    new = "def split(  # type: ignore[override]\n    self, sep=None, maxsplit=-1, *, strict=False\n): ...\n"
    assert verdict(old, new, "m.split") == ()


def test_methods_and_body_edits_keep_the_verdict() -> None:
    old = "class C:\n    def run(self, job, retries=3):\n        return job\n"
    new = "class C:\n    def run(self, job, *, retries=3):\n        return [job]\n"
    assert verdict(old, new, "m.C.run") == ("retries is now keyword-only",)


def test_only_signature_changes_get_a_verdict() -> None:
    functions, _ = classify_sources(
        {"m.py": "def f(a):\n    return a\n\ndef g(a):\n    return a\n"},
        {"m.py": "def f(a):\n    return a + 1\n\ndef h(a):\n    return a\n"},
    )
    assert {f.qualname: f.signature_break for f in functions} == {"m.f": None, "m.h": None}


def test_a_real_repository_reports_signature_break(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = commit(
        git_repo,
        {
            "http/client.py": textwrap.dedent(
                """
                import typing as t

                class Client:
                    def __init__(self, *, proxies=None, timeout: t.Optional[float] = 5.0):
                        self.timeout = timeout

                    def send(self, request, stream=False):
                        return request

                def echo(message: t.Optional[t.Any] = None) -> None:
                    print(message)
                """
            )
        },
    )
    commit(
        git_repo,
        {
            "http/client.py": textwrap.dedent(
                """
                import typing as t

                class Client:
                    def __init__(self, *, timeout: float | None = 5.0, mounts=None):
                        self.timeout = timeout

                    def send(self, request, stream=False, *, auth=None):
                        return request

                def echo(message: t.Any | None = None) -> None:
                    print(message)
                """
            )
        },
    )
    changes = analyze(git_repo, base=base)
    assert {f.qualname: f.signature_break for f in changes.functions} == {
        "http.client.Client.__init__": ("keyword proxies no longer accepted",),
        "http.client.Client.send": (),
        "http.client.echo": None,
    }
    assert main(["changes", "--repo", str(git_repo), "--base", base, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [f["signature_break"] for f in doc["functions"]] == [
        ["keyword proxies no longer accepted"],
        [],
        None,
    ]


# The property: random parameter lists, rendered as Python, judged by both implementations.

NAMES = ("a", "b", "c", "timeout", "key")


@dataclass(frozen=True)
class Spec:
    """A generated parameter list; render() gives a real def."""

    positional_only: tuple[tuple[str, bool], ...]
    positional: tuple[tuple[str, bool], ...]
    star_args: bool
    keyword_only: tuple[tuple[str, bool], ...]
    star_kwargs: bool
    is_async: bool
    annotated: bool

    @property
    def shape(self) -> str:
        """Everything but annotations: what signature_break calls a parameter change."""
        return replace(self, annotated=False).render()

    def render(self) -> str:
        def one(name: str, default: bool, index: int) -> str:
            # Annotations and default values vary too: neither may change the verdict.
            if self.annotated:
                return f"{name}: t.Optional[int]" + (f" = {index}" if default else "")
            return name + (f"={index}" if default else "")

        parts = [one(n, d, i) for i, (n, d) in enumerate(self.positional_only)]
        if self.positional_only:
            parts.append("/")
        parts += [one(n, d, i) for i, (n, d) in enumerate(self.positional)]
        if self.star_args:
            parts.append("*args")
        elif self.keyword_only:
            parts.append("*")
        parts += [one(n, d, i) for i, (n, d) in enumerate(self.keyword_only)]
        if self.star_kwargs:
            parts.append("**kwargs")
        prefix = "async def" if self.is_async else "def"
        return f"{prefix} f({', '.join(parts)}):\n    return 0\n"


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=5))
    cut1 = draw(st.integers(0, len(names)))
    cut2 = draw(st.integers(cut1, len(names)))
    defaults = draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)))
    # Positional parameters with a default must come last among the positional ones.
    positional = list(zip(names[:cut2], defaults[:cut2], strict=True))
    first_default = next((i for i, (_, d) in enumerate(positional) if d), len(positional))
    positional = [(n, i >= first_default) for i, (n, _) in enumerate(positional)]
    return Spec(
        positional_only=tuple(positional[:cut1]),
        positional=tuple(positional[cut1:]),
        star_args=draw(st.booleans()),
        keyword_only=tuple(zip(names[cut2:], defaults[cut2:], strict=True)),
        star_kwargs=draw(st.booleans()),
        is_async=draw(st.booleans()),
        annotated=draw(st.booleans()),
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(), specs())
def test_verdicts_match_the_calling_rules_oracle(old: Spec, new: Spec) -> None:
    old_src, new_src = "import typing as t\n" + old.render(), "import typing as t\n" + new.render()
    functions, _ = classify_sources({"m.py": old_src}, {"m.py": new_src})
    change = next((f for f in functions if f.qualname == "m.f"), None)
    found = change.signature_break if change is not None else None
    assert bool(found) == oracle_breaks(old_src, new_src), f"{old_src}---\n{new_src}{found}"
    # None exactly when the parameter lists are the same up to annotations.
    assert (found is None) == (old.shape == new.shape), f"{old_src}---\n{new_src}{found}"

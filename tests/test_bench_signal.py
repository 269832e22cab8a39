"""The signal benchmark's pure parts (bench/signal.py): test-code detection, verdict words,
headlines, sizes, def extraction, and the policy commits on a real repository. Offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import signal
from tests.conftest import commit, git


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_api.py", True),
        ("tests/helpers.py", True),
        ("src/pkg/tests/util.py", True),
        ("test/unit/base.py", True),
        ("pkg/test_io.py", True),
        ("pkg/io_test.py", True),
        ("conftest.py", True),
        ("src/click/testing.py", False),
        ("src/pkg/latest.py", False),
        ("src/pkg/contest.py", False),
        ("docs/test_notes.txt", False),
    ],
)
def test_test_paths(path: str, expected: bool) -> None:
    assert signal.is_test_path(path) is expected


def test_modules_map_through_the_tree_and_segments_are_the_fallback() -> None:
    modules = signal.module_files(
        [
            "src/click/utils.py",
            "src/click/__init__.py",
            "tests/test_utils.py",
            "tests/conftest.py",
            "setup.cfg",
        ]
    )
    assert modules == {
        "click.utils": "src/click/utils.py",
        "click": "src/click/__init__.py",
        "tests.test_utils": "tests/test_utils.py",
        "tests.conftest": "tests/conftest.py",
    }
    assert signal.is_test_qualname("tests.test_utils.test_echo.cli", modules)
    assert not signal.is_test_qualname("click.utils.echo", modules)
    # click.testing is a production module even though its name starts like a test
    assert not signal.is_test_qualname(
        "click.testing.CliRunner.invoke", {"click.testing": "src/click/testing.py"}
    )
    # a production function called test_x in a production module stays production
    assert not signal.is_test_qualname("click.utils.test_x", modules)
    assert signal.is_test_qualname("other.tests.thing", modules)
    assert signal.is_test_qualname("pkg.test_io.helper", {})


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("### 🟠 preflight: risk 69/100 · high · WARN (advisory)", "warn"),
        ("### preflight: risk 12/100 · low · FAIL (advisory)", "fail"),
        ("PASS  risk 4/100 (low, confidence low)  score 4 is at or below the warn threshold 50", "pass"),
        ("preflight FAIL 0.28.0: risk 59/100 (high, confidence low); blocking: score 59 above 10", "fail"),
        # the upper-case word wins over a lower-case one earlier in the line
        ("would fail in blocking mode: WARN", "warn"),
        ("the check does not fail", "fail"),
        ("risk 4/100", None),
        ("passing the password", None),
    ],
)
def test_verdict_words(line: str, word: str | None) -> None:
    assert signal.verdict_word(line) == word


def test_the_markdown_heading_and_first_lines() -> None:
    markdown = "<!-- marker -->\n### ✅ preflight: PASS\n\nbody\n"
    assert signal.markdown_heading(markdown) == "### ✅ preflight: PASS"
    assert signal.markdown_heading("no heading\n") == ""
    assert signal.first_line("\n\n  WARN  risk 60\nmore\n") == "  WARN  risk 60"
    assert signal.first_line("") == ""


def test_one_word_and_fail_iff_exit_code_1_agree() -> None:
    words: dict[str, str | None] = {"json": "warn", "markdown": "warn", "text": "warn", "compact": "warn"}
    codes = {"json": 0, "markdown": 0, "text": 0, "compact": 0}
    assert signal.disagreement(words, codes) == []
    fails = dict.fromkeys(words, "fail")
    assert signal.disagreement(fails, dict.fromkeys(codes, 1)) == []


def test_disagreements_name_the_renderers_and_codes() -> None:
    words: dict[str, str | None] = {"json": "fail", "markdown": "fail", "text": "warn", "compact": "warn"}
    codes = {"json": 0, "markdown": 0, "text": 0, "compact": 0}
    reasons = signal.disagreement(words, codes)
    assert reasons[0] == "json fail, markdown fail, text warn, compact warn"
    assert "json says fail with exit code 0" in reasons
    assert "markdown says fail with exit code 0" in reasons
    assert len(reasons) == 3
    blocked = signal.disagreement(dict.fromkeys(words, "warn"), {**codes, "compact": 1})
    assert blocked == ["compact says warn with exit code 1"]
    missing = signal.disagreement({**words, "text": None, "compact": "fail"}, {**codes, "text": 3})
    assert "text exit code 3" in missing
    assert "text none" in missing[0]


def test_headline_is_heading_to_the_end_of_the_first_paragraph() -> None:
    markdown = "<!-- m -->\n### 🟠 preflight: WARN\n\n**Why:** a\n- Gate: b\n\n| table |\n"
    assert signal.headline(markdown) == ["### 🟠 preflight: WARN", "**Why:** a", "- Gate: b"]
    assert signal.headline("### only a heading\n") == ["### only a heading"]
    assert signal.headline("no heading\n\ntext\n") == []


def test_distribution() -> None:
    assert signal.distribution([3, 1, 20_000, 7]) == {"min": 1, "median": 5.0, "max": 20_000}
    assert signal.distribution([]) == {"min": 0, "median": 0, "max": 0}


def test_test_names_in_markdown_are_found_through_escapes() -> None:
    modules = {"tests.test_a": "tests/test_a.py", "pkg.core": "pkg/core.py"}
    markdown = r"| tests\.test\_a\.test\_one\.cli | pkg\.core\.run | tests\.test\_a\.test\_one\.cli |"
    assert signal.test_mentions(markdown, modules) == {"tests.test_a.test_one.cli"}


SOURCE = """\
import typing


class Client:
    @typing.overload
    def get(self, url: str) -> str: ...

    @staticmethod
    def make(a, b=1):
        def inner(x):
            return x

        return inner(a)
"""


def test_def_source_takes_decorators_and_the_outermost_def_of_the_span() -> None:
    assert signal.def_source(SOURCE, 9, 13) == (
        "@staticmethod\ndef make(a, b=1):\n    def inner(x):\n        return x\n\n    return inner(a)\n"
    )
    # a span starting at the decorator finds the same def
    assert signal.def_source(SOURCE, 8, 13) == signal.def_source(SOURCE, 9, 13)
    assert signal.def_source(SOURCE, 10, 11) == "def inner(x):\n    return x\n"
    assert signal.def_source(SOURCE, 6, 6) == "@typing.overload\ndef get(self, url: str) -> str: ...\n"
    assert signal.def_source(SOURCE, 1, 1) is None
    assert signal.def_source("def broken(:\n", 1, 1) is None


def test_called_breaking_uses_signature_break_when_present() -> None:
    assert signal.called_breaking({"callers": 3})
    assert not signal.called_breaking({"callers": 0})
    assert not signal.called_breaking({"callers": None})
    assert not signal.called_breaking({"callers": 3, "signature_break": []})
    assert not signal.called_breaking({"callers": 3, "signature_break": None})
    assert signal.called_breaking({"callers": 0, "signature_break": ["keyword proxies no longer accepted"]})


def test_pairs_are_consecutive_releases() -> None:
    found = signal.pairs("dev")
    assert ("click", signal.CORPORA["dev"]["click"], "8.1.8", "8.2.0") in found
    assert ("httpx", signal.CORPORA["dev"]["httpx"], "0.27.2", "0.28.0") in found
    assert len(found) >= 12
    assert len({package for package, *_ in found}) >= 5
    held_out = signal.pairs("heldout")
    assert not {p for p, *_ in held_out} & {p for p, *_ in found}
    assert signal.pairs("all") == found + held_out


def test_policy_commits_keep_the_release_diff_and_put_the_policy_at_the_base(git_repo: Path) -> None:
    old = commit(git_repo, {"pkg/a.py": "def f(a):\n    return a\n"}, "1.0")
    new = commit(git_repo, {"pkg/a.py": "def f(a, b=1):\n    return a + b\n", "pkg/b.py": "x = 1\n"}, "1.1")
    policy = signal.GATES["blocking-low"]
    assert policy is not None
    base, head = signal.with_policy(git_repo, old, new, "blocking-low", policy)
    assert git(git_repo, "show", f"{base}:.preflight.yml") + "\n" == policy
    assert git(git_repo, "rev-parse", f"{head}^") == base
    assert git(git_repo, "rev-parse", f"{base}^") == old
    assert git(git_repo, "diff", "--name-only", base, head) == git(git_repo, "diff", "--name-only", old, new)
    assert git(git_repo, "diff", new, head, "--", "pkg") == ""


OVERLOADED = """\
import typing as t


@t.overload
def edit(text: str) -> str: ...


@t.overload
def edit(text: None = None, filename: str | None = None) -> None: ...


def edit(text=None, filename=None):
    return text
"""


def test_def_source_of_an_overload_stub_is_the_implementation() -> None:
    # the report's span may start at the first stub; callers bind to the implementation
    assert signal.def_source(OVERLOADED, 4, 5) == "def edit(text=None, filename=None):\n    return text\n"

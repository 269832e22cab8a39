"""sources: a changed file's language, encoding, module name and changed lines."""

from __future__ import annotations

import pytest

from preflight.changes.sources import (
    changed_line_sets,
    changed_lines,
    decode,
    is_binary,
    language,
    line_diff,
    module_name,
    split_lines,
)


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        ("pkg/mod.py", b"x = 1\n", "Python"),
        ("stubs/mod.PYI", None, "Python stub"),
        ("docker/Dockerfile", b"FROM python\n", "Dockerfile"),
        ("notes.weird", b"text\n", "unknown"),
        ("bin/deploy", b"#!/usr/bin/env python3\nprint(1)\n", "Python"),
        ("bin/run", b"#!/bin/sh\necho python\n", "unknown"),
        ("bin/gone", None, "unknown"),
        ("image.py", b"\x89PNG\x00", "binary"),
    ],
)
def test_language_from_name_shebang_or_content(path: str, data: bytes | None, expected: str) -> None:
    assert language(path, data) == expected


def test_is_binary_looks_for_nul_in_the_first_8000_bytes() -> None:
    assert is_binary(b"a\x00b")
    assert not is_binary(b"plain text\n")
    assert not is_binary(b"x" * 8000 + b"\x00")


def test_decode_follows_bom_and_coding_cookie() -> None:
    assert decode(b"\xef\xbb\xbfx = 'caf\xc3\xa9'\n") == "x = 'café'\n"
    assert decode(b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n").endswith("x = 'café'\n")


def test_decode_raises_value_error_on_bad_bytes_or_unknown_codec() -> None:
    with pytest.raises(ValueError):
        decode(b"x = '\xff\xfe'\n")
    with pytest.raises(ValueError):
        decode(b"# coding: no-such-codec\nx = 1\n")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("mod.py", "mod"),
        ("src/pkg/mod.py", "pkg.mod"),
        ("pkg/__init__.py", "pkg"),
        ("__init__.py", "__init__"),
        ("bin/deploy", "bin.deploy"),
        ("pkg/types.pyi", "pkg.types"),
    ],
)
def test_module_name(path: str, expected: str) -> None:
    assert module_name(path) == expected


def test_split_lines_keeps_endings_and_a_last_partial_line() -> None:
    assert split_lines(b"a\r\nb\nc") == [b"a\r\n", b"b\n", b"c"]
    assert split_lines(b"a\n") == [b"a\n"]
    assert split_lines(b"") == []


def test_line_diff_reports_only_non_equal_opcodes_with_absolute_indexes() -> None:
    old = [b"a\n", b"b\n", b"c\n", b"d\n"]
    new = [b"a\n", b"B\n", b"c\n", b"d\n", b"e\n"]
    assert line_diff(old, new) == [("replace", 1, 2, 1, 2), ("insert", 4, 4, 4, 5)]
    assert line_diff(old, old) == []


def test_changed_line_sets_are_one_based() -> None:
    assert changed_line_sets([("replace", 1, 2, 1, 3), ("delete", 5, 6, 6, 6)]) == (
        frozenset({2, 6}),
        frozenset({2, 3}),
    )


def test_changed_lines_of_two_texts() -> None:
    assert changed_lines("a\nb\nc\n", "a\nX\nc\nd\n") == (frozenset({2}), frozenset({2, 4}))
    assert changed_lines("a\n", "a\r\n") == (frozenset({1}), frozenset({1}))

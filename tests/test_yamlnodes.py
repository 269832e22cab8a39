"""Strict YAML nodes: errors name the file and line; numbers and booleans as YAML 1.2 reads them."""

from __future__ import annotations

import pytest
import yaml

from preflight.errors import InputError
from preflight.yamlnodes import boolean, compose, decimal, line


def scalar(text: str) -> yaml.ScalarNode:
    node = compose(f"v: {text}\n", "t.yml")
    assert isinstance(node, yaml.MappingNode)
    value = node.value[0][1]
    assert isinstance(value, yaml.ScalarNode)
    return value


def test_compose_gives_nodes_with_their_lines() -> None:
    node = compose("a: 1\nb:\n  c: 2\n", "t.yml")
    assert isinstance(node, yaml.MappingNode)
    assert [line(key) for key, _ in node.value] == [1, 2]
    assert compose("", "t.yml") is None


def test_duplicate_keys_are_an_error_naming_file_and_line() -> None:
    with pytest.raises(InputError, match=r"^t\.yml:2: "):
        compose("a: 1\na: 2\n", "t.yml")


@pytest.mark.parametrize(("text", "value"), [("1", 1.0), ("-2.5", -2.5), ("1e3", 1000.0), ("'7'", 7.0)])
def test_decimal_reads_plain_numbers(text: str, value: float) -> None:
    assert decimal(scalar(text)) == value


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0x1f", "hexadecimal"),
        ("010", "drop the leading zero"),
        (".inf", "not a finite"),
        ("1_000", "underscores"),
        ("abc", "not a number"),
    ],
)
def test_decimal_says_what_else_the_text_is(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        decimal(scalar(text))


def test_boolean_reads_yaml_1_2_spellings_only() -> None:
    assert boolean(scalar("true")) is True and boolean(scalar("False")) is False
    with pytest.raises(ValueError, match=r"YAML 1\.1"):
        boolean(scalar("yes"))
    with pytest.raises(ValueError, match="not true or false"):
        boolean(scalar("maybe"))

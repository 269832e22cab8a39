"""YAML spec files read with line numbers, so every complaint can say `file:line`.

yaml.safe_load loses positions; this loader keeps, for each mapping, its own
line and the line of each key (1-based), and `SpecFile` turns a missing or
mistyped value into an InputError pointing at it. It composes with
yamlnodes.StrictLoader, so alias bombs, deep nesting and duplicate keys are
refused with their line before anything is built.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from preflight.errors import InputError
from preflight.yamlnodes import StrictLoader


class Located(dict[Any, Any]):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        """The line of a key, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


class _Loader(StrictLoader):
    """StrictLoader whose mappings are Located and whose bad scalars name their line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, KeyError, OverflowError, AttributeError) as error:
            # `!!int abc`, `!!bool maybe`, a 5,000-digit integer, `2024-13-45`, `!!timestamp x`:
            # PyYAML's constructors raise plain Python errors that would otherwise escape as crashes.
            tag = str(node.tag).rsplit(":", 1)[-1]
            value = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else "this node"
            raise InputError(
                f"{self.name}:{node.start_mark.line + 1}: {value!r} is not a valid {tag}"
            ) from error


def _construct_located(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)  # resolve `<<` merge keys first, as SafeLoader does
    mapping = Located(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise InputError(
                f"{node.start_mark.name}:{key_node.start_mark.line + 1}: key {key!r} appears twice"
            )
        value = loader.construct_object(value_node, deep=True)
        mapping[key] = value
        mapping.key_lines[key] = key_node.start_mark.line + 1
        if isinstance(value, Located):
            # A nested mapping's node starts at its first key; its own key's line reads better in errors.
            value.line = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_located)


def load_documents(path: Path) -> list[Any]:
    """Every non-empty document of a YAML file, mappings as Located; a syntax error names the line."""
    try:
        with path.open(encoding="utf-8") as handle:
            return [doc for doc in yaml.load_all(handle, Loader=_Loader) if doc is not None]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise InputError(f"{path}:{line}: invalid YAML: {error.problem or error}") from error
    except TypeError as error:  # a mapping or list used as a key: unhashable
        raise InputError(f"{path}: invalid YAML: a key is not a plain value ({error})") from error
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: invalid YAML: {error}") from error
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from error


class SpecFile:
    """Typed access to one file's mappings; every complaint carries the file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int, message: str) -> InputError:
        """The error for a problem at a line."""
        return InputError(f"{self.path}:{line}: {message}")

    def mapping(self, parent: Located, key: str) -> Located:
        """parent[key], which must be a mapping."""
        value = parent.get(key)
        if not isinstance(value, Located):
            raise self.fail(parent.line_of(key), f"{key} must be a mapping")
        return value

    def optional_mapping(self, parent: Located, key: str) -> Located | None:
        """parent[key] as a mapping, or None when absent."""
        return None if parent.get(key) is None else self.mapping(parent, key)

    def text(self, parent: Located, key: str) -> str:
        """parent[key], which must be a non-empty string."""
        value = parent.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(parent.line_of(key), f"{key} must be a non-empty string")
        return value

    def optional_text(self, parent: Located, key: str) -> str | None:
        """parent[key] as a non-empty string, or None when absent."""
        return None if parent.get(key) is None else self.text(parent, key)

    def number(self, parent: Located, key: str) -> float:
        """parent[key], which must be a number (a YAML int or float, not a bool)."""
        value = parent.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(parent.line_of(key), f"{key} must be a number, not {value!r}")
        try:
            number = float(value)
        except OverflowError:  # an integer past a float's range
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(parent.line_of(key), f"{key} must be a finite number")
        return number

    def items(self, parent: Located, key: str) -> list[Located]:
        """parent[key], which must be a non-empty list of mappings."""
        value = parent.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, Located) for v in value):
            raise self.fail(parent.line_of(key), f"{key} must be a non-empty list of mappings")
        return value

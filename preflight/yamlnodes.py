"""YAML composed defensively, for `.preflight.yml` and the SLO spec files alike.

PyYAML's composer recurses once per nesting level (a few thousand `[` exhaust Python's
stack), shares aliased nodes (750 bytes of anchors expand to billions of nodes for any
code that walks or prints them, and `&a [*a]` is a cycle), and keeps the last of two equal
keys without a word. StrictLoader refuses all of that with the file and line while
composing, before anything reads a value. `decimal` and `boolean` read the scalars a config
means unambiguously: YAML 1.1 (PyYAML) and YAML 1.2 read `010`, `1:30` or `yes` differently.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from preflight.errors import InputError

MAX_DEPTH = 100
"""Nesting levels; no config or spec needs more than a dozen, and Python's stack takes ~300."""
MAX_ALIAS_NODES = 100_000
"""Nodes aliases may add when expanded: reuse of a block is fine, a billion laughs is not."""


def line(node: yaml.Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses deep nesting, alias bombs, recursive aliases and duplicate keys."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._expanded: dict[int, int] = {}  # id(node) -> nodes it stands for, aliases expanded
        self._alias_nodes = 0

    def _fail(self, mark: yaml.Mark, message: str) -> InputError:
        return InputError(f"{self.name}:{mark.line + 1}: {message}")

    def compose_document(self) -> Any:
        # Anchors and sizes are per document; a file of many documents starts each afresh.
        self._expanded, self._alias_nodes = {}, 0
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            target = self.anchors.get(event.anchor)
            if target is not None:
                size = self._expanded.get(id(target))
                if size is None:  # the anchored node is still being composed: a cycle
                    raise self._fail(
                        event.start_mark, f"alias *{event.anchor} refers to the node that holds it"
                    )
                self._alias_nodes += size
                if self._alias_nodes > MAX_ALIAS_NODES:
                    raise self._fail(
                        event.start_mark,
                        f"aliases (*{event.anchor}) expand to more than {MAX_ALIAS_NODES:,} nodes; "
                        "write the values out or use fewer anchors",
                    )
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise self._fail(
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                f"nested more than {MAX_DEPTH} levels deep; flatten the document",
            )
        try:
            node: Any = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._expanded[id(node)] = 1 + sum(self._expanded.get(id(child), 1) for child in _children(node))
        return node

    def compose_mapping_node(self, anchor: Any) -> Any:
        node = super().compose_mapping_node(anchor)
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue  # a collection as a key is refused by whoever reads the mapping
            first = seen.setdefault((key.tag, key.value), key)
            if first is not key:
                raise self._fail(
                    key.start_mark,
                    f"key {key.value!r} appears twice (first on line {line(first)}); keep one",
                )
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def compose(text: str, source: str) -> yaml.Node | None:
    """The single document of text as nodes (None when empty); errors name source and line."""
    loader = StrictLoader(text)
    loader.name = source  # marks, and so every message, name the file instead of "<unicode string>"
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
_BASES = {"0x": "hexadecimal", "0b": "binary", "0o": "octal"}
_MAX_DIGITS = 40


def decimal(node: yaml.ScalarNode) -> float:
    """A number written in plain decimal; ValueError says what else the text is and what to write."""
    text = str(node.value).strip()
    bare = text.lstrip("+-").lower()
    if len(text) > _MAX_DIGITS + 20:
        raise ValueError(f"{text[:20]}... is too large ({len(text)} characters)")
    if bare in (".inf", ".nan"):
        raise ValueError(f"{text} is not a finite number")
    if bare[:2] in _BASES:
        raise ValueError(f"{text} is {_BASES[bare[:2]]}; write the number in decimal")
    if node.tag in (INT_TAG, FLOAT_TAG) and ":" in text:
        raise ValueError(f"{text} is base 60 in YAML 1.1 and text in YAML 1.2; write the number itself")
    if node.tag in (INT_TAG, FLOAT_TAG) and "_" in text:
        raise ValueError(f"{text} has underscores, which YAML 1.2 does not read; write digits only")
    if _LEADING_ZERO.fullmatch(text):
        octal = f"octal {int(bare, 8)}" if set(bare) <= set("01234567") else "invalid octal"
        raise ValueError(f"{text} is {octal} in YAML 1.1 and {int(bare)} in YAML 1.2; drop the leading zero")
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{text[:40]!r} is not a number")
    value = float(text)
    if len(bare.split("e")[0]) > _MAX_DIGITS or not math.isfinite(value):
        raise ValueError(f"{text[:20]}{'...' if len(text) > 20 else ''} is too large")
    return value


_TRUE, _FALSE = ("true", "True", "TRUE"), ("false", "False", "FALSE")


def boolean(node: yaml.ScalarNode) -> bool:
    """true or false (YAML 1.2's spellings); ValueError for anything else, yes/no/on/off included."""
    text = str(node.value)
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    if text.lower() in ("yes", "no", "on", "off", "y", "n"):
        raise ValueError(f"{text!r} is a boolean in YAML 1.1 but text in YAML 1.2; write true or false")
    raise ValueError(f"{text!r} is not true or false")

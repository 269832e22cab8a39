"""Check a JSON document against the shipped JSON Schema, without a schema library at run time.

`preflight publish` re-renders a report from an artifact that a pull request's own run made, so
the document is untrusted and must satisfy preflight/report/schema/check.schema.json before any
field reaches the renderer. The schema uses a small part of draft 2020-12 (type, enum, const,
pattern, minimum, maximum, required, properties, additionalProperties: false, items, oneOf and
local $ref); this module implements exactly that part and refuses a schema that uses more, so
the schema cannot grow a keyword that would be silently ignored here. Tests hold it to the
`jsonschema` package's answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description"})
"""Keywords that say nothing about validity."""
KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "minimum",
        "maximum",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "oneOf",
        "$ref",
    }
)


class SchemaMismatch(ValueError):
    """The document does not satisfy the schema; the message names the JSON path."""


def validate(document: object, schema: Mapping[str, Any]) -> None:
    """Raise SchemaMismatch naming the first place where document breaks schema."""
    problem = _check(document, schema, schema, "$")
    if problem is not None:
        raise SchemaMismatch(problem)


def _check(value: object, schema: Mapping[str, Any], root: Mapping[str, Any], at: str) -> str | None:
    unknown = set(schema) - KEYWORDS - ANNOTATIONS
    if unknown:  # a bug in preflight (the schema outgrew this module), never the user's
        raise NotImplementedError(f"schema keyword(s) {sorted(unknown)} at {at} are not supported")
    if "$ref" in schema:
        problem = _check(value, _resolve(root, schema["$ref"]), root, at)
        if problem is not None:
            return problem
    if "oneOf" in schema:
        matches = sum(_check(value, option, root, at) is None for option in schema["oneOf"])
        if matches != 1:
            return f"{at}: matches {matches} of the {len(schema['oneOf'])} allowed shapes, not exactly one"
    if "const" in schema and not _same(value, schema["const"]):
        return f"{at}: must be {schema['const']!r}"
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        return f"{at}: must be one of {', '.join(map(repr, schema['enum']))}"
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, name) for name in types):
            return f"{at}: must be {' or '.join(types)}, not {_name(value)}"
    return _content(value, schema, root, at)


def _content(value: object, schema: Mapping[str, Any], root: Mapping[str, Any], at: str) -> str | None:
    """The keywords that apply to one type of value only (JSON Schema ignores them for others)."""
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        return f"{at}: {value[:80]!r} does not match {schema['pattern']}"
    if _is(value, "number"):
        number = float(value)  # type: ignore[arg-type]
        if "minimum" in schema and number < schema["minimum"]:
            return f"{at}: {value} is below the minimum {schema['minimum']}"
        if "maximum" in schema and number > schema["maximum"]:
            return f"{at}: {value} is above the maximum {schema['maximum']}"
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                return f"{at}: the field {name!r} is missing"
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                problem = _check(item, properties[name], root, f"{at}.{name}")
                if problem is not None:
                    return problem
            elif schema.get("additionalProperties", True) is False:
                return f"{at}: unknown field {str(name)[:80]!r}"
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problem = _check(item, schema["items"], root, f"{at}[{index}]")
            if problem is not None:
                return problem
    return None


def _resolve(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    if not ref.startswith("#/"):
        raise NotImplementedError(f"only local $ref are supported, not {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    resolved: Mapping[str, Any] = node
    return resolved


def _is(value: object, name: str) -> bool:
    # bool is an int in Python but never a number in JSON
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    kinds: dict[str, type | tuple[type, ...]] = {
        "string": str,
        "boolean": bool,
        "null": type(None),
        "object": dict,
        "array": list,
    }
    return isinstance(value, kinds[name])


def _same(value: object, expected: object) -> bool:
    """JSON equality: true is not 1."""
    return type(value) is type(expected) and value == expected


def _name(value: object) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is(value, name):
            return name
    return type(value).__name__

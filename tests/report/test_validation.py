"""report/validation: the part of JSON Schema 2020-12 the check schema uses, without a schema library."""

from __future__ import annotations

from typing import Any

import pytest

from preflight.report.document import check_document, schema
from preflight.report.validation import SchemaMismatch, validate
from tests.report.test_report import sample

SHAPE: dict[str, Any] = {
    "$defs": {"level": {"enum": ["low", "high"]}},
    "type": "object",
    "required": ["name", "score"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z]+$"},
        "score": {"type": "integer", "minimum": 0, "maximum": 100},
        "share": {"type": ["number", "null"]},
        "level": {"$ref": "#/$defs/level"},
        "version": {"const": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
        "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    },
}


def test_a_valid_document_passes() -> None:
    validate({"name": "cart", "score": 7, "share": None, "level": "high", "version": 1, "tags": ["a"]}, SHAPE)
    validate({"name": "cart", "score": 0, "share": 0.5, "either": 3}, SHAPE)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "$: must be object, not array"),
        ({"name": "cart"}, "$: the field 'score' is missing"),
        ({"name": "Cart", "score": 1}, "$.name: 'Cart' does not match ^[a-z]+$"),
        ({"name": "cart", "score": 101}, "$.score: 101 is above the maximum 100"),
        ({"name": "cart", "score": -1}, "$.score: -1 is below the minimum 0"),
        ({"name": "cart", "score": True}, "$.score: must be integer, not boolean"),
        ({"name": "cart", "score": 1.5}, "$.score: must be integer, not number"),
        ({"name": "cart", "score": 1, "share": "x"}, "$.share: must be number or null, not string"),
        ({"name": "cart", "score": 1, "level": "mid"}, "$.level: must be one of 'low', 'high'"),
        ({"name": "cart", "score": 1, "version": True}, "$.version: must be 1"),
        ({"name": "cart", "score": 1, "tags": ["a", 2]}, "$.tags[1]: must be string, not integer"),
        ({"name": "cart", "score": 1, "either": None}, "$.either: matches 0 of the 2 allowed shapes"),
        ({"name": "cart", "score": 1, "extra": 1}, "$: unknown field 'extra'"),
    ],
)
def test_the_first_problem_is_named_by_its_path(document: object, problem: str) -> None:
    with pytest.raises(SchemaMismatch) as caught:
        validate(document, SHAPE)
    assert str(caught.value).startswith(problem)


def test_a_schema_outgrowing_the_module_is_refused() -> None:
    with pytest.raises(NotImplementedError, match="minLength"):
        validate("x", {"type": "string", "minLength": 1})
    with pytest.raises(NotImplementedError, match="only local \\$ref"):
        validate("x", {"$ref": "https://example.com/schema.json"})


def test_the_shipped_schema_accepts_a_real_document_and_refuses_a_changed_one() -> None:
    doc = check_document(sample())
    validate(doc, schema())
    with pytest.raises(SchemaMismatch, match=r"\$\.risk\.score"):
        validate(doc | {"risk": doc["risk"] | {"score": "high"}}, schema())

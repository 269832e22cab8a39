"""report/from_json: a check report read back from its JSON document, refused when it is not one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from preflight.report import from_json
from preflight.report.document import check_document, dumps
from preflight.report.markdown import render_check
from tests.report.test_report import sample


def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(dumps(check_document(sample())))
    return doc


def test_the_document_reads_back_to_the_same_report() -> None:
    original = sample()
    read = from_json.loads(dumps(check_document(original)), "report.json")
    assert check_document(read) == json.loads(dumps(check_document(original)))
    assert render_check(read) == render_check(original)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[1, 2", "report.json: not one JSON document"),
        ('{"a": NaN}', "report.json: NaN is not JSON"),
        ("[" * 100_000 + "]" * 100_000, "report.json: JSON nested too deeply"),
        ("{}", "report.json: not a valid check report: $: the field"),
    ],
)
def test_what_is_not_a_check_report_is_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        from_json.loads(text, "report.json")
    assert str(caught.value).startswith(problem)


def test_a_document_too_large_is_refused_before_parsing() -> None:
    with pytest.raises(ValueError, match="more than a check report can be"):
        from_json.loads(" " * (from_json.MAX_BYTES + 1), "big.json")


def test_fields_the_schema_allows_but_preflight_never_writes() -> None:
    doc = document()
    doc["base_source"] = "somewhere"
    with pytest.raises(ValueError, match="base_source 'somewhere' is not one preflight writes"):
        from_json.loads(json.dumps(doc), "r.json")
    doc = document()
    doc["decision"]["passed"] = not doc["decision"]["passed"]
    with pytest.raises(ValueError, match=r"decision\.passed contradicts decision\.verdict"):
        from_json.loads(json.dumps(doc), "r.json")
    doc = document()
    assert doc["impact"] is not None and doc["impact"]["faults"]
    doc["impact"]["faults"][0] = "nofunction=1"
    with pytest.raises(ValueError, match=r"impact.faults\[0\] 'nofunction=1' is not SERVICE"):
        from_json.loads(json.dumps(doc), "r.json")

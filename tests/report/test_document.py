"""report/document: the JSON document of a check result."""

from __future__ import annotations

import json

from preflight.report.document import changes_document, check_document, dumps
from tests.report.test_report import sample


def test_json_document_is_consistent() -> None:
    doc = json.loads(json.dumps(check_document(sample())))
    assert doc["schema_version"] == 1
    assert doc["decision"] == {
        "passed": False,
        "threshold": 60,
        "reason": "score 96 is above the fail threshold 60",
        "verdict": "fail",
        "mode": "blocking",
        "warn_above": 50,
        "override": None,
        "notes": [],
    }
    assert [f["calls_per_min"] for f in doc["functions"]] == [61000.0, None, 300.0, None]
    assert doc["functions"][3]["inferred"]["calls_per_min"] == 1200.0
    assert doc["functions"][3]["reached_from"][0]["label"] == "POST /checkout"
    assert doc["risk"]["score"] == round(sum(f["points"] for f in doc["risk"]["factors"]))
    assert doc["risk"]["likelihood"]["probability"] == 0.3
    assert doc["risk"]["likelihood"]["drivers"][0] == {
        "feature": "lines_added",
        "value": 120.0,
        "log_odds": 1.44,
    }
    assert doc["impact"]["slos"][0]["critical_path"] == ["cart", "frontend"]


def test_the_changes_document_holds_the_revisions_files_and_functions() -> None:
    changes = sample().changes
    doc = changes_document(changes)
    assert (doc["schema_version"], doc["base_source"]) == (1, "explicit")
    assert (doc["base"], doc["head"], doc["merge_base"]) == ("1" * 40, "2" * 40, "3" * 40)
    assert [f["path"] for f in doc["files"]] == [f.path for f in changes.files]
    assert [f["qualname"] for f in doc["functions"]] == [f.qualname for f in changes.functions]
    assert doc["warnings"] == list(changes.warnings)


def test_dumps_is_stable_readable_json() -> None:
    text = dumps({"b": 1, "name": "café"})
    assert text == '{\n  "b": 1,\n  "name": "café"\n}\n'
    doc = check_document(sample())
    assert dumps(doc) == dumps(json.loads(dumps(doc)))

"""report/document: the JSON document of a check result."""

from __future__ import annotations

import json

from preflight.report.document import check_document
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

"""The shipped JSON Schema describes every `check --format json` document, and it is strict
enough to catch drift (an unknown field, a missing one, a bad value)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from preflight.cli import main
from preflight.report.document import check_document, schema
from tests.conftest import commit
from tests.report.test_report import HOSTILE, result, sample


def validate(doc: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(schema(), format_checker=None).validate(doc)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_a_full_report_validates() -> None:
    validate(json.loads(json.dumps(check_document(sample()))))


def test_hostile_names_validate() -> None:
    from preflight.models import Aspect, ChangeKind
    from tests.report.test_report import fn

    functions = tuple(fn(name, ChangeKind.MODIFIED, (Aspect.BODY,), path=name + ".py") for name in HOSTILE)
    validate(json.loads(json.dumps(check_document(result(functions, None, None)))))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("risk", "level"), "severe"),
        (("risk", "score"), 101),
        (("decision", "verdict"), "maybe"),
        (("risk", "surprise"), 1),
        (("functions", 0, "calls_per_min"), "many"),
    ],
)
def test_drift_is_caught(path: tuple[str | int, ...], value: object) -> None:
    doc = copy.deepcopy(json.loads(json.dumps(check_document(sample()))))
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def test_the_check_command_output_validates(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(git_repo, {"app.py": "def f():\n    return 1\n"})
    commit(git_repo, {"app.py": "def f(x):\n    return x\n\n\ndef g():\n    return f(2)\n"})
    assert main(["check", "--repo", str(git_repo), "--base", base, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    validate(doc)
    assert doc["risk"]["likelihood"]["history_commits"] == 1

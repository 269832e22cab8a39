"""preflight.event: the GitHub Actions event payload, read once; wrong types are absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.errors import InputError
from preflight.event import Event, TriggeringRun, load, parse, read


def test_outside_actions_the_event_is_empty() -> None:
    assert read({}) == Event()
    assert load(None) == {} and load("") == {}


def test_a_pull_request_event(tmp_path: Path) -> None:
    payload = {
        "pull_request": {
            "number": 7,
            "base": {"sha": "a" * 40},
            "head": {"sha": "b" * 40},
            "labels": [{"name": "risk-accepted"}, {"name": 3}, "bare", {"color": "red"}],
        },
        "before": "c" * 40,
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    event = read({"GITHUB_EVENT_PATH": str(path)})
    assert event == Event(
        path=str(path),
        pull_request=True,
        number=7,
        base_sha="a" * 40,
        head_sha="b" * 40,
        labels=("risk-accepted",),
        before="c" * 40,
    )


def test_fields_of_the_wrong_type_are_absent() -> None:
    event = parse(
        {"pull_request": {"number": True, "base": "x", "head": {"sha": 1}, "labels": {}}, "before": 1}
    )
    assert event == Event(pull_request=True)
    assert parse({"pull_request": []}) == Event()


def test_a_workflow_run_event() -> None:
    run = {
        "head_sha": "d" * 40,
        "pull_requests": [{"number": 12}, {"number": "13"}, 14],
        "head_repository": {"full_name": "fork/repo"},
        "repository": {"full_name": "owner/repo"},
        "id": 99,
    }
    assert parse({"workflow_run": run}).workflow_run == TriggeringRun(
        "d" * 40, (12,), "fork/repo", "owner/repo", 99
    )
    no_ids = {**run, "id": True, "head_repository": None, "repository": {"full_name": 5}}
    assert parse({"workflow_run": no_ids}).workflow_run == TriggeringRun("d" * 40, (12,), None, None, None)
    assert parse({"workflow_run": {**run, "head_sha": ""}}).workflow_run is None
    assert parse({"workflow_run": "run"}).workflow_run is None


def test_a_payload_that_is_not_an_object_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("[1, 2]", encoding="utf-8")
    assert load(str(path)) == {}


def test_unreadable_or_invalid_json_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"GITHUB_EVENT_PATH=.*missing.json: cannot read it"):
        load(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match=r"GITHUB_EVENT_PATH=.*bad.json: not valid JSON"):
        read({"GITHUB_EVENT_PATH": str(bad)})

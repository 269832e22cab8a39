"""Issue 17 item 8: `publish` posted a fork's report artifact verbatim as the bot.

The artifact is made by the pull request's own run (on a fork, with the fork's copy of the
workflow), so everything in it is the fork's to choose. Publish must never post its text: it
validates the JSON report against the shipped schema, rebuilds the check result and renders the
comment with check's escaping, and the verdict and score come from the document's fields.
"""

from __future__ import annotations

import copy
import itertools
import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from preflight.cli import main
from preflight.report import document, from_json, validation
from tests.adversarial.inert import MARKER, PAYLOADS, markdown_injections
from tests.commands.test_publish import Artifact, artifact  # noqa: F401 (a fixture)
from tests.report.test_report import sample

FORGED = (
    f"{MARKER}\n### 🟢 preflight: PASS · risk 0/100 low · confidence high\n"
    "cc @acme/security-team: nothing to see <img src=https://evil.example/track.png>\n"
    "[approve here](https://evil.example/login)\n"
)
"""The artifact the issue's adversarial run posted through publish."""


def publish(report: Path) -> int:
    return main(["publish", "--report", str(report), "--pull-request", "7"])


def test_a_forged_markdown_artifact_is_refused_and_nothing_is_posted(
    artifact: Artifact,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    forged = artifact.report.with_name("report.md")
    forged.write_text(FORGED, encoding="utf-8")
    assert publish(forged) == 2
    assert "publish never posts an artifact's text" in capsys.readouterr().err
    assert not artifact.state.comments


def hostile(doc: dict[str, Any]) -> dict[str, Any]:
    """doc with every string the schema leaves free replaced by a hostile payload."""
    payloads = itertools.cycle(PAYLOADS)
    out = copy.deepcopy(doc)

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if isinstance(value, (dict, list)):
                walk(value)
            elif isinstance(value, str):
                node[key] = next(payloads)
                try:
                    from_json.loads(json.dumps(out), "test")
                except ValueError:
                    node[key] = value  # a sha, an enum or the base's source word: the schema holds it

    walk(out)
    return out


def test_a_hostile_json_artifact_is_posted_inert_with_the_document_s_verdict(
    artifact: Artifact,  # noqa: F811
) -> None:
    doc = hostile(document.check_document(sample()))
    doc["head"] = artifact.head
    doc["risk"]["score"], doc["risk"]["level"] = 73, "high"
    doc["decision"].update(verdict="fail", passed=False)
    replaced = sum(isinstance(v, str) and v in PAYLOADS for v in _leaves(doc))
    assert replaced >= 50  # paths, names, services, routes, SLOs, reasons, notes, ...
    artifact.report.write_text(json.dumps(doc), encoding="utf-8")
    assert publish(artifact.report) == 0
    body = artifact.state.comments[7][0]["body"]
    assert markdown_injections(body) == []
    headline = body.split("\n")[1]
    assert headline == "### 🟠 preflight: FAIL · risk 73/100 high · confidence " + doc["risk"]["confidence"]
    assert "PASS" not in headline


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in _leaves(value)]
    return [node]


def _mutate(doc: dict[str, Any], where: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    *parents, last = where.split(".")
    node: Any = changed
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    key: Any = int(last) if last.isdigit() else last
    if value is KeyError:
        del node[key]
    else:
        node[key] = value
    return changed


BAD = [
    ("risk.score", 101, "$.risk.score: 101 is above the maximum 100"),
    ("risk.score", "0", "$.risk.score: must be integer, not string"),
    ("risk.score", True, "$.risk.score: must be integer, not boolean"),
    ("decision.verdict", "PASS", "$.decision.verdict: must be one of 'pass', 'warn', 'fail'"),
    ("decision.passed", True, "decision.passed contradicts decision.verdict"),
    ("decision.comment", "@everyone", "$.decision: unknown field 'comment'"),
    ("risk", KeyError, "$: the field 'risk' is missing"),
    ("head", "HEAD <img>", "$.head: 'HEAD <img>' does not match"),
    ("base_source", "explicit <img src=x>", "base_source 'explicit <img src=x>' is not one preflight writes"),
    ("schema_version", 2, "$.schema_version: must be 1"),
]


@pytest.mark.parametrize(("where", "value", "message"), BAD, ids=[b[0] + "-" + str(b[1])[:8] for b in BAD])
def test_an_invalid_document_is_refused_naming_the_field(
    artifact: Artifact,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    where: str,
    value: Any,
    message: str,
) -> None:
    doc = json.loads(artifact.report.read_text(encoding="utf-8"))
    if where == "decision.passed":
        doc["decision"]["verdict"] = "fail"
    artifact.report.write_text(json.dumps(_mutate(doc, where, value)), encoding="utf-8")
    assert publish(artifact.report) == 2
    err = capsys.readouterr().err
    assert f"--report {artifact.report}" in err and message in err and "report-format: json" in err
    assert not artifact.state.comments


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"schema_version": NaN}', "NaN is not JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("{} {}", "not one JSON document"),
        ("", "not one JSON document"),
        ("[1]", "$: must be object, not array"),
    ],
    ids=["nan", "deep", "two-documents", "empty", "array"],
)
def test_input_that_is_not_one_check_document_is_exit_2(
    artifact: Artifact,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str,
) -> None:
    artifact.report.write_text(text, encoding="utf-8")
    assert publish(artifact.report) == 2
    assert message in capsys.readouterr().err
    assert not artifact.state.comments


def test_the_document_round_trips_through_the_rebuilt_result() -> None:
    doc = json.loads(json.dumps(document.check_document(sample())))
    assert document.check_document(from_json.result(doc)) == doc


def test_the_validator_agrees_with_jsonschema_on_mutated_documents() -> None:
    """Random single-field mutations of a full document: both validators accept or both refuse."""
    schema = document.schema()
    oracle = jsonschema.Draft202012Validator(schema)
    doc = json.loads(json.dumps(document.check_document(sample())))
    paths = _paths(doc)
    values: list[Any] = [None, True, 0, -1, 1.5, 10**6, "", "x", [], {}, ["x"], {"x": 1}, "a" * 40]
    rng = random.Random(17)
    agreed = {True: 0, False: 0}
    for _ in range(600):
        where = rng.choice(paths)
        changed = _mutate(doc, where, rng.choice([*values, KeyError]))
        expected = oracle.is_valid(changed)
        try:
            validation.validate(changed, schema)
            ours = True
        except validation.SchemaMismatch:
            ours = False
        assert ours == expected, (where, changed)
        agreed[ours] += 1
    assert min(agreed.values()) > 40  # both answers were exercised


def _paths(node: Any, prefix: str = "") -> list[str]:
    found: list[str] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        here = f"{prefix}{key}"
        found.append(here)
        found += _paths(value, here + ".")
    return found


def test_an_unsupported_schema_keyword_is_a_bug_not_a_silent_pass() -> None:
    with pytest.raises(NotImplementedError, match="format"):
        validation.validate("x", {"type": "string", "format": "email"})
    # and the shipped schema uses none: a full document walks every keyword it has
    validation.validate(json.loads(json.dumps(document.check_document(sample()))), document.schema())

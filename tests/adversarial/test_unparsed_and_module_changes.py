"""Issue 17, items 2 and 4: changes preflight could not see must never pass as "nothing changed".

Item 2: a changed Python file padded past the parse limit (or undecodable, or with a syntax
error) is unknown code: points, low confidence, the headline's Unknown line, and a blocking
gate fails on it by default. Item 4: module- and class-level statements (constants, imports,
class attributes) are changes, and the functions of the file that read the changed names
count as exposed, with their traffic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.changes.changeset import classify_sources
from preflight.changes.sources import MAX_PARSE_BYTES
from preflight.cli import main
from preflight.models import ChangeKind
from tests.conftest import commit

BLOCKING = "gate:\n  mode: blocking\n  warn_above: 10\n  fail_above: 25\n"
PRICING = """\
EUR_RATES = {"USD": 1.08, "GBP": 0.85}


def convert(amount, currency):
    return round(amount * EUR_RATES[currency], 2)


def unrelated():
    return 1
"""
CALLS = "qualname,calls_per_min\nshop.pricing.convert,50000\nshop.pricing.unrelated,50000\n"


def _check(repo: Path, base: str, calls: Path, *extra: str) -> int:
    return main(["check", "--repo", str(repo), "--base", base, "--calls", str(calls), *extra])


@pytest.fixture
def shop(git_repo: Path, tmp_path: Path) -> tuple[Path, str, Path]:
    """A repository whose base has a blocking gate and a hot `convert`, and its calls CSV."""
    base = commit(git_repo, {".preflight.yml": BLOCKING, "shop/__init__.py": "", "shop/pricing.py": PRICING})
    calls = tmp_path / "calls.csv"
    calls.write_text(CALLS, encoding="utf-8")
    return git_repo, base, calls


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return dict(json.loads(capsys.readouterr().out))


def test_padding_a_file_past_the_parse_limit_does_not_pass_a_blocking_gate(
    shop: tuple[Path, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, calls = shop
    edited = PRICING.replace("return round(amount", "return round(1.01 * amount")
    commit(repo, {"shop/pricing.py": edited})
    assert _check(repo, base, calls, "--format", "json") == 1  # the plain edit fails: hot code
    capsys.readouterr()
    padding = "# " + "x" * (MAX_PARSE_BYTES + 10) + "\n"
    commit(repo, {"shop/pricing.py": edited + padding})
    assert _check(repo, base, calls, "--format", "json") == 1
    doc = _json(capsys)
    assert doc["files"][0]["unparsed"].endswith("-byte parse limit")
    risk, decision = doc["risk"], doc["decision"]
    assert risk["confidence"] == "low"
    assert risk["unknowns"][0].startswith("1 changed Python file could not be parsed fully (shop/pricing.py")
    assert "unparsed code" in [f["name"] for f in risk["factors"]]
    assert decision["verdict"] == "fail"
    assert "could not be parsed (shop/pricing.py)" in decision["reason"]


def test_the_unparsed_file_is_said_in_the_comment_headline(
    shop: tuple[Path, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, calls = shop
    commit(repo, {"shop/pricing.py": PRICING + "# " + "x" * (MAX_PARSE_BYTES + 10) + "\n"})
    assert _check(repo, base, calls) == 1
    comment = capsys.readouterr().out
    head = comment.split("\n\n", 1)[0].splitlines()
    headline = head[head.index(next(line for line in head if line.startswith("###"))) :]
    assert len(headline) <= 5  # the ### line and at most 4 more
    assert any(line.startswith("**Gate:**") and "could not be parsed" in line for line in headline)
    unknown = next(line for line in headline if line.startswith("**Unknown:**"))
    assert "could not be parsed fully" in unknown and "pricing" in unknown and "parse limit" in unknown


def test_gate_unparsed_open_judges_by_the_score(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = commit(git_repo, {".preflight.yml": BLOCKING + "  unparsed: open\n", "shop/pricing.py": PRICING})
    calls = tmp_path / "calls.csv"
    calls.write_text(CALLS, encoding="utf-8")
    commit(git_repo, {"shop/pricing.py": PRICING + "def broken(:\n"})
    assert _check(git_repo, base, calls, "--format", "json") == 0
    doc = _json(capsys)
    assert doc["files"][0]["parsed"] == "partial"
    assert "syntax error at line 10 at the head" in doc["files"][0]["unparsed"]
    assert doc["decision"]["verdict"] != "fail"
    assert any("judged by the score alone" in n for n in doc["decision"]["notes"])


def test_an_undecodable_file_is_unknown(
    shop: tuple[Path, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, calls = shop
    commit(repo, {"shop/pricing.py": b"# -*- coding: no-such-codec -*-\n" + PRICING.encode()})
    assert _check(repo, base, calls, "--format", "json") == 1
    doc = _json(capsys)
    assert doc["files"][0]["unparsed"].startswith("cannot decode it")


def test_an_unparsed_test_file_does_not_fail_the_gate(
    shop: tuple[Path, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, calls = shop
    commit(repo, {"tests/test_pricing.py": "def test_x(:\n"})
    assert _check(repo, base, calls, "--format", "json") == 0
    assert _json(capsys)["decision"]["verdict"] == "pass"


def test_a_changed_constant_scores_the_traffic_of_its_reader(
    shop: tuple[Path, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, calls = shop
    commit(repo, {"shop/pricing.py": PRICING.replace('"USD": 1.08', '"USD": 10.8')})
    assert _check(repo, base, calls, "--format", "json") == 1
    doc = _json(capsys)
    functions = {f["qualname"]: f for f in doc["functions"]}
    module = functions["shop.pricing"]
    assert (module["kind"], module["scope"], module["names"]) == ("modified", "module", ["EUR_RATES"])
    assert module["read_by"] == ["shop.pricing.convert"]
    reader = functions["shop.pricing.convert"]
    assert (reader["kind"], reader["names"], reader["calls_per_min"]) == (
        "reads-changed",
        ["EUR_RATES"],
        50000,
    )
    assert "shop.pricing.unrelated" not in functions
    traffic = next(f for f in doc["risk"]["factors"] if f["name"] == "traffic")
    assert traffic["detail"].startswith("shop.pricing.convert runs 50,000 calls/min")
    assert doc["risk"]["score"] > 25


def test_a_comment_or_reformatting_at_module_level_is_not_a_change() -> None:
    old = {"m.py": 'RATES = {"a": 1, "b": 2}\n\n\ndef f():\n    return RATES\n'}
    new = {
        "m.py": '# rates\nRATES = {\n    "a": 1,\n    "b": 2,\n}  # same\n\n\ndef f():\n    return RATES\n'
    }
    assert classify_sources(old, new) == ((), ())


def test_module_and_class_level_statements_are_changes() -> None:
    old = """\
import json
TIMEOUT = 5
register("a")


class Cart(Base):
    LIMIT = 3

    def total(self):
        return self.LIMIT

    def other(self):
        return 0


def load():
    return json.loads("{}")
"""
    new = (
        old.replace("import json", "import ujson as json")
        .replace('register("a")', 'register("b")')
        .replace("LIMIT = 3", "LIMIT = 4")
        .replace("class Cart(Base)", "class Cart(Base, Mixin)")
    )
    functions, _ = classify_sources({"shop/cart.py": old}, {"shop/cart.py": new})
    found = {(f.qualname, f.kind, f.scope, f.names, f.read_by) for f in functions}
    assert found == {
        ("shop.cart", ChangeKind.MODIFIED, "module", ("Cart", "json"), ("shop.cart.load",)),
        ("shop.cart.load", ChangeKind.READS_CHANGED, "function", ("json",), ()),
        ("shop.cart.Cart", ChangeKind.MODIFIED, "class", ("LIMIT",), ("shop.cart.Cart.total",)),
        ("shop.cart.Cart.total", ChangeKind.READS_CHANGED, "function", ("LIMIT",), ()),
    }


def test_a_module_change_nobody_in_its_file_reads_is_unknown(
    shop: tuple[Path, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, calls = shop
    commit(repo, {"shop/pricing.py": PRICING + '\nFALLBACK = "EUR"\n'})
    _check(repo, base, calls, "--format", "json")
    doc = _json(capsys)
    assert [f["qualname"] for f in doc["functions"]] == ["shop.pricing"]
    assert "unknown traffic" in [f["name"] for f in doc["risk"]["factors"]]

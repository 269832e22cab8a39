"""config/schema.py: each section of `.preflight.yml` checked, errors naming file and line."""

from __future__ import annotations

import pytest
import yaml

from preflight import config
from preflight.config import Config, schema
from preflight.errors import InputError
from preflight.models import CallSettings, Gate, GateRule, PathMapping


def test_runtime_and_paths() -> None:
    text = "runtime:\n  snapshot: .preflight/snapshot\npaths:\n  map:\n    /app/: src/\n    /srv/x/: ''\n"
    assert config.parse(text, "c.yml") == Config(
        source="c.yml",
        snapshot=".preflight/snapshot",
        path_map=(PathMapping("/app/", "src/"), PathMapping("/srv/x/", "")),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("runtime:\n  snapshot: x\nbogus: 1\n", "c.yml:3: unknown section `bogus`"),
        ("runtime:\n  snap: x\n", "c.yml:2: unknown key `runtime.snap`"),
        ("runtime:\n  snapshot: 3\n", "c.yml:2: `runtime.snapshot` must be a non-empty string"),
        (
            "paths:\n  map:\n    - /app/\n",
            "c.yml:3: `paths.map` (deployed prefix: repository prefix) must be a mapping",
        ),
        (
            "slos:\n  - x\n",
            "c.yml:1: `slos` (SLO files in the config (pass them to `preflight collect`)) is not",
        ),
        ("gate:\n  mode: strict\n", "c.yml:2: `gate.mode` is advisory or blocking, not 'strict'"),
        ("gate:\n  fail_above: 101\n", "c.yml:2: `gate.fail_above` must be a whole score from 0 to 100"),
        (
            "gate:\n  warn_above: 80\n  fail_above: 70\n",
            "c.yml: `gate.warn_above` (80) is above `gate.fail_above` (70)",
        ),
        ("gate:\n  rules:\n    - fail_above: 10\n", "c.yml:3: a gate rule needs `paths` or `services`"),
        ("gate:\n  rules:\n    - paths: a/**\n", "c.yml:3: `paths` of a gate rule must be a non-empty list"),
        ("gate:\n  budget_tightening: 1\n", "c.yml:2: `gate.budget_tightening` must be true or false"),
        ("gate:\n  override: x\n", "c.yml:2: unknown key `gate.override`; allowed: mode, warn_above"),
        ("runtime: [\n", "c.yml:2: not valid YAML"),
        ("- a\n", "c.yml:1: the top level must be a mapping"),
    ],
)
def test_errors_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        config.parse(text, "c.yml")
    assert str(error.value).startswith(message), str(error.value)


def test_gate_policy() -> None:
    text = (
        "gate:\n  mode: blocking\n  warn_above: 30\n  fail_above: 60\n  missing_runtime: closed\n"
        "  budget_tightening: false\n  override_label: ship-it\n  override_trailer: Risk-Accepted\n"
        "  override_approvers: [Lead@Example.com]\n"
        "  rules:\n    - paths: ['payments/**']\n      fail_above: 40\n    - services: [docs]\n"
        "      warn_above: 70\n      fail_above: 90\n"
    )
    assert config.parse(text, "c.yml").gate == Gate(
        mode="blocking",
        warn_above=30,
        fail_above=60,
        missing_runtime="closed",
        budget_tightening=False,
        rules=(
            GateRule(paths=("payments/**",), fail_above=40),
            GateRule(services=("docs",), warn_above=70, fail_above=90),
        ),
        override_label="ship-it",
        override_trailer="Risk-Accepted",
        override_approvers=("lead@example.com",),
    )
    assert config.parse("", "c.yml").gate == Gate()  # advisory, warn 50, fail 75, fail-open


def test_entry_point_patterns() -> None:
    text = "entry_points:\n  - decorator: myfw.route\n    kind: http\n  - decorator: jobs.every\n"
    assert config.parse(text, "c.yml").entry_points == (("myfw.route", "http"), ("jobs.every", "custom"))
    with pytest.raises(InputError, match=r"c.yml:3: kind 'web' is not one of"):
        config.parse("entry_points:\n  - decorator: x\n    kind: web\n", "c.yml")
    with pytest.raises(InputError, match=r"c.yml:2: an entry point pattern has `decorator`"):
        config.parse("entry_points:\n  - kind: http\n", "c.yml")


def test_services_declare_calls_and_utilization() -> None:
    parsed = config.parse(
        "services:\n"
        "  checkout:\n"
        "    utilization: 0.45\n"
        "    calls:\n"
        "      payment: {timeout_ms: 800, retries: 2}\n"
        "      currency: {calls_per_request: 3}\n"
        "      email: {fallback: true, mode: parallel}\n"
        "      audit:\n",
        "x.yml",
    )
    assert parsed.utilization == (("checkout", 0.45),)
    assert parsed.calls == (
        ("checkout", "payment", CallSettings(timeout_ms=800.0, retries=2)),
        ("checkout", "currency", CallSettings(per_request=3.0)),
        ("checkout", "email", CallSettings(fallback=True, mode="parallel")),
        ("checkout", "audit", CallSettings()),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("services:\n  a:\n    utilization: 1.5\n", "x.yml:3: `services.a.utilization` is a share of CPU"),
        (
            "services:\n  a:\n    owner: me\n",
            "x.yml:3: unknown key `services.a.owner`; allowed: utilization, calls",
        ),
        (
            "services:\n  a:\n    calls:\n      b: {retries: 1.5}\n",
            "x.yml:4: `services.a.calls.b.retries` must be a whole",
        ),
        ("services:\n  a:\n    calls:\n      b: {mode: fast}\n", "is sequential or parallel, not 'fast'"),
        (
            "services:\n  a:\n    calls:\n      b: {fallback: maybe}\n",
            "`services.a.calls.b.fallback` must be true or false",
        ),
        ("services:\n  a:\n    calls:\n      b: {timeout_ms: -1}\n", "must not be negative"),
        ("services:\n  a:\n    calls:\n      b: {jitter: 1}\n", "unknown key `services.a.calls.b.jitter`"),
    ],
)
def test_services_errors_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        config.parse(text, "x.yml")
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("paths:\n  production: tests/\n", "c.yml:2: `paths.production` must be a list of path globs"),
        ("paths:\n  non_production:\n    - 3\n", "c.yml:3: an entry of `paths.non_production` must be a"),
        ("paths:\n  non_production: {a: b}\n", "c.yml:2: `paths.non_production` must be a list"),
        (
            "paths:\n  tests: [x]\n",
            "c.yml:2: unknown key `paths.tests`; allowed: map, production, non_production",
        ),
    ],
)
def test_paths_globs_errors_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        config.parse(text, "c.yml")
    assert str(error.value).startswith(message), str(error.value)


def _node(text: str) -> yaml.Node:
    node = yaml.compose(text)
    assert node is not None
    return node


def test_fields_check_each_key_against_the_table() -> None:
    node = _node("mode: blocking\nwarn_above: 40\n")
    table = {"mode": schema.choice("advisory", "blocking"), "warn_above": schema.score}
    assert schema.fields(node, "c.yml", "`gate`", table) == {"mode": "blocking", "warn_above": 40}
    with pytest.raises(InputError, match=r"^c.yml:1: unknown key `gate.mode`; allowed: warn_above$"):
        schema.fields(node, "c.yml", "`gate`", {"warn_above": schema.score})


def test_optional_turns_a_null_off_and_checks_anything_else() -> None:
    off = schema.optional(schema.whole)
    assert off(_node("~"), "c.yml", "`x`") is None
    assert off(_node("3"), "c.yml", "`x`") == 3
    with pytest.raises(InputError, match=r"^c.yml:1: `x` must be a whole number$"):
        off(_node("2.5"), "c.yml", "`x`")


def test_globs_and_emails() -> None:
    assert schema.globs(_node("[tools/, '*.py']"), "c.yml", "`g`") == ("tools/*", "*.py")
    assert schema.emails(_node("[A@B.org]"), "c.yml", "`e`") == ("a@b.org",)
    with pytest.raises(InputError, match=r"c.yml:2: `e`: 'nobody' is not an email address"):
        schema.emails(_node("- a@b.org\n- nobody\n"), "c.yml", "`e`")
    with pytest.raises(InputError, match=r"c.yml:1: `n` must not be negative"):
        schema.number(_node("-1"), "c.yml", "`n`")

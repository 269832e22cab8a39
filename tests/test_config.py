"""`.preflight.yml`: validation with file and line, and reading it from the base revision."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight import config
from preflight.config import Config, PathMapping
from preflight.errors import InputError
from preflight.repository import Repository
from tests.conftest import commit


def test_empty_and_missing_config_are_defaults() -> None:
    assert config.parse("", "x.yml") == Config(source="x.yml")
    assert config.parse("# nothing\n", "x.yml") == Config(source="x.yml")


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
        ("gate:\n  fail_above: 50\n", "c.yml:1: `gate` (gate policy (use --fail-above)) is not supported"),
        ("runtime: [\n", "c.yml:2: not valid YAML"),
        ("- a\n", "c.yml:1: the top level must be a mapping"),
    ],
)
def test_errors_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        config.parse(text, "c.yml")
    assert str(error.value).startswith(message), str(error.value)


def test_load_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read config"):
        config.load_file(tmp_path / "none.yml")
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(InputError, match="not UTF-8"):
        config.load_file(bad)


def test_config_comes_from_the_given_revision(git_repo: Path) -> None:
    base = commit(git_repo, {".preflight.yml": "runtime:\n  snapshot: base-snap\n"})
    head = commit(git_repo, {".preflight.yml": "runtime:\n  snapshot: head-snap\n"})
    with Repository(git_repo) as repo:
        assert config.from_revision(repo, base).snapshot == "base-snap"
        assert config.from_revision(repo, head).snapshot == "head-snap"
        assert config.from_revision(repo, None) == Config()


def test_entry_point_patterns() -> None:
    text = "entry_points:\n  - decorator: myfw.route\n    kind: http\n  - decorator: jobs.every\n"
    assert config.parse(text, "c.yml").entry_points == (("myfw.route", "http"), ("jobs.every", "custom"))
    with pytest.raises(InputError, match=r"c.yml:3: kind 'web' is not one of"):
        config.parse("entry_points:\n  - decorator: x\n    kind: web\n", "c.yml")
    with pytest.raises(InputError, match=r"c.yml:2: an entry point pattern has `decorator`"):
        config.parse("entry_points:\n  - kind: http\n", "c.yml")

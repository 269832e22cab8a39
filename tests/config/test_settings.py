"""config/settings.py: the Config defaults, reading a file or a revision, production paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight import config
from preflight.config import Config
from preflight.errors import InputError
from preflight.repository import Repository
from tests.conftest import commit


def test_empty_and_missing_config_are_defaults() -> None:
    assert config.parse("", "x.yml") == Config(source="x.yml")
    assert config.parse("# nothing\n", "x.yml") == Config(source="x.yml")


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


def test_paths_production_and_non_production() -> None:
    text = "paths:\n  production: [tests/fixtures/server.py]\n  non_production:\n    - tools/\n    - '*_demo.py'\n"
    found = config.parse(text, "c.yml")
    assert found.production == ("tests/fixtures/server.py",)
    assert found.non_production == (*config.NON_PRODUCTION, "tools/*", "*_demo.py")  # `dir/` is dir/*
    assert not found.is_production("tools/release.py")
    assert not found.is_production("pkg/cart_demo.py")
    assert not found.is_production("tests/test_cart.py")
    assert found.is_production("tests/fixtures/server.py")  # production wins over non_production
    assert found.is_production("pkg/cart.py")


@pytest.mark.parametrize(
    ("path", "production"),
    [
        ("tests/test_a.py", False),
        ("pkg/tests/helpers.py", False),
        ("test/a.py", False),
        ("pkg/test_a.py", False),
        ("pkg/a_test.py", False),
        ("conftest.py", False),
        ("docs/conf.py", False),
        ("doc/conf.py", False),
        ("examples/shop/serve.py", False),
        ("bench/hook.py", False),
        ("benchmarks/run.py", False),
        ("scripts/readme.py", False),
        ("setup.py", False),
        ("noxfile.py", False),
        ("src/click/core.py", True),
        ("pkg/testing.py", True),
        ("tools/release.py", True),
        ("shop/tasks.py", True),  # a celery app's tasks module: production
        ("pkg/docs/render.py", True),  # docs/ only at the top
    ],
)
def test_default_non_production_paths(path: str, production: bool) -> None:
    assert Config().is_production(path) is production

"""Which paths are tests or not production: the default globs and the matcher."""

from __future__ import annotations

import pytest

from preflight.globs import NON_PRODUCTION, TEST_GLOBS, matches


@pytest.mark.parametrize(
    "path", ["test_core.py", "app/core_test.py", "tests/a/b.py", "pkg/tests/x.py", "conftest.py", "test/a.py"]
)
def test_test_files(path: str) -> None:
    assert matches(path, TEST_GLOBS)


@pytest.mark.parametrize("path", ["app/core.py", "testing.py", "app/attest.py"])
def test_production_files_are_not_tests(path: str) -> None:
    assert not matches(path, TEST_GLOBS)


def test_a_leading_slash_anchors_at_the_root() -> None:
    assert matches("setup.py", NON_PRODUCTION)
    assert not matches("homeassistant/setup.py", NON_PRODUCTION)


def test_a_nested_test_package_is_production_by_default() -> None:
    assert matches("test/a.py", NON_PRODUCTION)
    assert not matches("django/test/client.py", NON_PRODUCTION)


def test_no_globs_match_nothing() -> None:
    assert not matches("anything.py", ())

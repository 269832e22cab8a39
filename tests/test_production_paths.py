"""production code that the default non-production globs hide."""

from __future__ import annotations

from preflight.config import Config


def test_a_setup_module_inside_a_package_is_production() -> None:
    """The README lists `setup.py` (the packaging script); homeassistant/setup.py is the product."""
    assert Config().is_production("homeassistant/setup.py")
    assert not Config().is_production("setup.py")


def test_a_noxfile_glob_is_only_the_root_one() -> None:
    assert Config().is_production("app/noxfile.py")

"""preflight/extras.py: an optional extra's missing modules are named with the command to install them."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight import extras
from preflight.errors import InputError


def test_an_installed_extra_passes_and_a_missing_one_names_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extras.need("collect", "preflight collect")  # the test install has every extra
    monkeypatch.setitem(extras.EXTRAS, "collect", ("pandas", "no_such_module_for_preflight"))
    assert extras.missing("collect") == ("no_such_module_for_preflight",)
    with pytest.raises(InputError) as raised:
        extras.need("collect", "preflight collect")
    assert str(raised.value) == (
        "preflight collect needs no_such_module_for_preflight, which this install does not have; "
        "install the [collect] extra: pip install 'preflight-risk-gate[collect]'"
    )
    assert raised.value.exit_code == 2


def test_every_extra_is_one_pyproject_declares() -> None:
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    extras_table = text.split("[project.optional-dependencies]\n", 1)[1].split("\n[", 1)[0]
    for extra in extras.EXTRAS:
        assert f"\n{extra} = [" in f"\n{extras_table}", extra

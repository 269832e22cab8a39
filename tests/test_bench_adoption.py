"""The adoption benchmark's pure helpers: the clean environment and the readings of command output."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.adoption import clean_environ, import_times, imported, spread, verdict

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       120 |        120 |   _io
import time:       300 |        420 | encodings
import time:      1000 |       1000 |     numpy.core
import time:       500 |       1500 |   numpy
import time:       200 |       2000 | preflight.cli
"""


def test_clean_environ_keeps_nothing_of_pip_python_or_the_venv(tmp_path: Path) -> None:
    environ = {
        "PATH": "/project/.venv/bin:/usr/bin:/bin",
        "PIP_FIND_LINKS": "/opt/wheels",
        "PYTHONDONTWRITEBYTECODE": "1",
        "VIRTUAL_ENV": "/project/.venv",
        "XDG_CONFIG_HOME": "/root/.config",
        "LANG": "C.UTF-8",
    }
    env = clean_environ(environ, tmp_path, tmp_path / "venv", [Path("/project/.venv/bin")])
    assert env["PATH"] == f"{tmp_path}/venv/bin:/usr/bin:/bin"
    assert env["HOME"] == str(tmp_path)
    assert env["PIP_CACHE_DIR"] == f"{tmp_path}/.cache/pip"
    assert env["XDG_CONFIG_HOME"] == f"{tmp_path}/.config"
    assert env["LANG"] == "C.UTF-8"
    assert not {"PIP_FIND_LINKS", "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV"} & env.keys()


def test_import_times_sum_the_top_level_imports() -> None:
    total, top = import_times(IMPORTTIME)
    assert top == [("preflight.cli", 0.002), ("encodings", 0.00042)]
    assert total == pytest.approx(0.00242)
    assert imported(IMPORTTIME, ("pandas", "numpy", "preflight")) == ["numpy", "preflight"]


def test_verdict_and_spread() -> None:
    assert verdict("\nPASS  risk 5/100\n  gate: ...\n") == "PASS  risk 5/100"
    assert spread([3.0, 1.0, 2.0]) == "1.00 / 2.00 / 3.00 s"
    assert spread([1.5]) == "1.50 s"

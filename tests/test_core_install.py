"""The light core: check, the hook's path, simulate and context run where pandas, pyarrow and
scipy are not installed; collect, and a snapshot without its prepared form, name the extra.

The core environment is real, not a patched import: a directory holding every package of this
virtual environment except pandas, pyarrow and scipy, run with `python -S` (no site-packages)
and that directory plus the checkout on PYTHONPATH, as a core install would have it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.exposure import cache
from tests.commands.test_collect import PAY, world  # noqa: F401 - the fixture
from tests.conftest import commit

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "pyarrow", "scipy", "git", "gitdb", "gitpython", "smmap")
"""The packages the core must not need (with their .libs, dist-info and egg-info): the
collect extra's, scipy, and gitpython (preflight runs plain git)."""


@pytest.fixture(scope="module")
def core_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This environment's packages without the heavy ones, as symbolic links."""
    found = tmp_path_factory.mktemp("core-site")
    for site in dict.fromkeys((sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])):
        for entry in Path(site).iterdir():
            if entry.name.split("-")[0].split(".")[0].lower() in HEAVY or (found / entry.name).exists():
                continue
            (found / entry.name).symlink_to(entry)
    return found


def core(core_path: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`preflight ARGS` in the core environment."""
    env = {**os.environ, "PYTHONPATH": f"{core_path}{os.pathsep}{ROOT}", "PYTHONNOUSERSITE": "1"}
    return subprocess.run(
        [sys.executable, "-S", "-m", "preflight", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def test_the_core_environment_has_no_heavy_package(core_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": f"{core_path}{os.pathsep}{ROOT}"}
    probe = f"import importlib.util as u; print([n for n in {HEAVY!r} if u.find_spec(n)])"
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.fixture
def collected(world: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:  # noqa: F811
    """The repository and the snapshot `collect` made of its telemetry (in this full environment)."""
    repo, telemetry = world
    snap = tmp_path / "snap"
    assert main(["collect", str(telemetry), "--output", str(snap), "--repo", str(repo)]) == 0
    return repo, snap


def test_check_context_and_simulate_need_no_pandas(collected: tuple[Path, Path], core_path: Path) -> None:
    repo, snap = collected
    assert (snap / cache.EMBEDDED).is_file()
    commit(repo, {"checkout/pay.py": PAY.replace("return amount", "return amount * 2")})

    checked = core(core_path, "check", "--repo", str(repo), "--base", "HEAD~1", "--snapshot", str(snap), "--format", "json")  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    (charge,) = json.loads(checked.stdout)["functions"]
    assert charge["service"] == "checkout" and charge["calls_per_min"] is not None
    assert charge["slos"][0]["name"] == "checkout-availability"

    context = core(core_path, "context", "checkout/pay.py::charge", "--snapshot", str(snap), "--repo", str(repo), "--format", "json")  # fmt: skip
    assert context.returncode == 0, context.stderr
    assert json.loads(context.stdout)["endpoints"] == ["POST /checkout"]

    simulated = core(core_path, "simulate", "--snapshot", str(snap), "--inject", "checkout:error=0.5", "--trials", "50")  # fmt: skip
    assert simulated.returncode == 0, simulated.stderr
    assert "checkout" in simulated.stdout

    hook = core(core_path, "hook", "--help")
    assert hook.returncode == 0, hook.stderr


def test_collect_names_the_extra_to_install(core_path: Path, tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_text("{}\n", encoding="utf-8")
    done = core(core_path, "collect", str(tmp_path / "t.jsonl"), "--output", str(tmp_path / "s"))
    assert done.returncode == 2
    assert "preflight collect needs pandas, pyarrow, which this install does not have" in done.stderr
    assert "pip install 'preflight-risk-gate[collect]'" in done.stderr
    assert not (tmp_path / "s").exists()


def test_a_snapshot_without_its_prepared_form_names_the_extra(
    collected: tuple[Path, Path], core_path: Path
) -> None:
    _, snap = collected
    (snap / cache.EMBEDDED).unlink()  # as a snapshot from an older preflight
    done = core(core_path, "simulate", "--snapshot", str(snap), "--inject", "checkout:error=0.5")
    assert done.returncode == 2
    assert f"reading the tables of the snapshot {snap}" in done.stderr
    assert "[collect]" in done.stderr and "collect it again with this version" in done.stderr

    # a directory that is no snapshot at all says so, not that an extra is missing
    shutil.rmtree(snap)
    snap.mkdir()
    done = core(core_path, "simulate", "--snapshot", str(snap), "--inject", "checkout:error=0.5")
    assert done.returncode == 2 and "not a preflight snapshot (no meta.json)" in done.stderr

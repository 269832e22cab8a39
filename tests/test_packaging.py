"""The distribution: `python -m build` makes a wheel and an sdist named preflight-risk-gate, and the
wheel installed into a fresh venv outside the checkout runs `preflight`.

No network: the build runs without isolation (build and hatchling are in the test extra), the
wheel is installed with `--no-index --no-deps`, and the fresh venv sees this venv's
site-packages for the dependencies through a .pth line. A .pth line adds the directory without
processing the .pth files inside it, so this checkout's editable install stays out of sight.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from preflight import __version__
from tests.conftest import GIT_ENV, commit, git

ROOT = Path(__file__).resolve().parent.parent
NAME = "preflight_risk_gate"


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel built from it, as a release builds them."""
    out = tmp_path_factory.mktemp("dist")
    done = run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT, cwd=out)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed by its distribution name."""
    path = tmp_path_factory.mktemp("venv") / "venv"
    done = run(sys.executable, "-m", "venv", "--without-pip", path, cwd=path.parent)
    assert done.returncode == 0, done.stderr
    python = path / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=path.parent)
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    Path(purelib.stdout.strip(), "dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    done = run(
        # --ignore-installed: the dependencies seen through the .pth include this checkout's own
        # editable install of the same distribution, which pip would take as already installed
        sys.executable, "-m", "pip", "--isolated", "--python", python, "install", "--quiet",
        "--ignore-installed", "--no-index", "--no-deps", "--find-links", dist, NAME.replace("_", "-"),
        cwd=path.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return path


def test_the_build_makes_one_wheel_and_one_sdist_of_the_version(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == [
        f"{NAME}-{__version__}-py3-none-any.whl",
        f"{NAME}-{__version__}.tar.gz",
    ]
    with zipfile.ZipFile(dist / f"{NAME}-{__version__}-py3-none-any.whl") as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"{NAME}-{__version__}.dist-info/METADATA").decode()
        scripts = wheel.read(f"{NAME}-{__version__}.dist-info/entry_points.txt").decode()
    assert "Name: preflight-risk-gate\n" in metadata
    assert f"Version: {__version__}\n" in metadata
    assert "preflight = preflight.launch:main" in scripts
    assert {name.split("/")[0] for name in names} == {"preflight", f"{NAME}-{__version__}.dist-info"}
    # The data files the code reads next to itself.
    data = {"preflight/report/templates/check.md.j2", "preflight/report/schema/check.schema.json"}
    assert data <= set(names)


def _console_spans() -> str:
    """What the OpenTelemetry SDK's ConsoleSpanExporter prints for a request that runs app.f."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
    from opentelemetry.trace import SpanKind

    out = io.StringIO()
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=out)))
    tracer = provider.get_tracer("shop")
    for _ in range(3):
        with (
            tracer.start_as_current_span("GET /f", kind=SpanKind.SERVER, attributes={"http.route": "/f"}),
            tracer.start_as_current_span("f", attributes={"code.function.name": "app.f"}),
        ):
            pass
    provider.shutdown()
    return out.getvalue()


def test_the_installed_wheel_runs_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    env = {**GIT_ENV, "HOME": str(tmp_path)}
    preflight = venv / "bin" / "preflight"
    where = run(venv / "bin" / "python", "-c", "import preflight; print(preflight.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr

    assert run(preflight, "--version", cwd=tmp_path, env=env).stdout == f"preflight, version {__version__}\n"
    helped = run(preflight, "--help", cwd=tmp_path, env=env)
    assert helped.returncode == 0 and "check" in helped.stdout, helped.stderr

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    base = commit(repo, {"app.py": "def f(x):\n    return x\n"})
    commit(repo, {"app.py": "def f(x):\n    return x + 1\n"})
    checked = run(preflight, "check", "--repo", repo, "--base", base, cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "preflight: PASS" in checked.stdout and "app\\.f" in checked.stdout

    # Telemetry as a Python service has it first: the SDK's ConsoleSpanExporter, collected and used.
    console = tmp_path / "spans.log"
    console.write_text(_console_spans(), encoding="utf-8")
    snapshot = tmp_path / "snapshot"
    collected = run(
        preflight, "collect", console, "--output", snapshot, "--repo", repo, cwd=tmp_path, env=env
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "resolved 1/1 runtime functions" in collected.stdout, collected.stdout
    checked = run(preflight, "check", "--repo", repo, "--base", base, "--snapshot", snapshot, "--format", "json", cwd=tmp_path, env=env)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (function,) = json.loads(checked.stdout)["functions"]
    assert (function["qualname"], function["service"], function["source"]) == ("app.f", "shop", "console")

    # The wheel does not ship examples/: the demo stops with exit 2 and says to clone.
    demo = run(preflight, "demo", cwd=tmp_path, env=env)
    assert demo.returncode == 2 and "clone preflight's repository" in demo.stderr, demo.stderr

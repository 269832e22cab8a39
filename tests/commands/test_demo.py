"""`preflight demo`: the shop example as a real repository, every scenario through the real `check`."""

from __future__ import annotations

import io
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from preflight import hook
from preflight.cli import main
from preflight.commands import demo
from preflight.errors import InputError
from tests.conftest import git

EXPECTED = {
    "docs-only": ("low", "pass"),
    "rare-function": ("low", "pass"),
    "hot-checkout-path": ("high", "fail"),  # 71 > 70 (68, warn, before issue 22's fitted defaults)
    "helper-signature": ("high", "warn"),
    "new-module": ("low", "pass"),
}


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One demo run (a few seconds): its directory and what it printed."""
    root = tmp_path_factory.mktemp("demo")
    out = io.StringIO()
    assert demo.run(root, out, environ={"PATH": "/usr/bin:/bin"}) == 0
    return root, out.getvalue()


def test_every_scenario_is_a_branch_of_the_example(ran: tuple[Path, str]) -> None:
    root, _ = ran
    patches = sorted(p.stem for p in (demo.EXAMPLE / "scenarios").glob("*.patch"))
    assert patches == sorted(s.name for s in demo.SCENARIOS) == sorted(EXPECTED)
    repo = root / "shop"
    branches = git(repo, "branch", "--format=%(refname:short)").split()
    assert sorted(branches) == sorted(["main", *(f"scenario/{name}" for name in EXPECTED)])
    for name in EXPECTED:  # one commit on main each: the scenario's patch
        assert git(repo, "rev-list", "--count", f"main..scenario/{name}").strip() == "1"
    assert (repo / ".preflight.yml").is_file() and (repo / "snapshot" / "meta.json").is_file()
    assert not git(repo, "status", "--porcelain").strip()


def test_each_scenario_scores_its_expected_level_with_the_real_check(ran: tuple[Path, str]) -> None:
    root, _ = ran
    for name, (level, verdict) in EXPECTED.items():
        report = json.loads((root / "reports" / f"{name}.json").read_text(encoding="utf-8"))
        assert (report["risk"]["level"], report["decision"]["verdict"]) == (level, verdict), name
        assert report["head_ref"] == f"scenario/{name}" and report["runtime"] is not None
        markdown = (root / "reports" / f"{name}.md").read_text(encoding="utf-8")
        assert markdown.startswith("<!-- preflight:report -->")
    new_module = json.loads((root / "reports" / "new-module.json").read_text(encoding="utf-8"))
    assert new_module["risk"]["confidence"] == "low"  # an unknown, not a safe change
    hot = json.loads((root / "reports" / "hot-checkout-path.json").read_text(encoding="utf-8"))
    assert {f["name"] for f in hot["risk"]["factors"]} >= {"traffic", "front door", "SLO at risk"}
    # the snapshot's functions outside the repository (standard library) no longer count against it
    assert not any("matched the code" in u for u in hot["risk"]["unknowns"])


def test_one_screen_per_scenario_and_a_summary(ran: tuple[Path, str]) -> None:
    root, text = ran
    lines = text.splitlines()
    assert len(lines) <= 50  # one screen
    assert max(len(line) for line in lines if str(root) not in line) <= demo.WIDTH
    # EUR_RATES changed at module level: get_supported_currencies reads it (issue 17 item 4)
    assert "risk 71/100 high, gate fail (blocking: fails above 70), confidence medium" in text
    assert "   +27.0  traffic: shop.currency.get_supported_currencies runs 504 calls/min (measured)" in text
    # the new repository's one commit of history caps every scenario: said once, not five times
    assert (
        "Unknown for every scenario: only 1 commit of history before the change (confidence at most medium)"
        in text
    )
    assert text.count("1 commit of history") == 1
    assert "  unknown: no runtime data for 2 of 2 changed functions: their traffic is unknown\n" in text
    table = lines[lines.index(next(line for line in lines if line.startswith("scenario "))) :]
    for name, (level, verdict) in EXPECTED.items():
        row = next(line for line in table if line.startswith(f"{name} "))
        assert row.split()[2:5:2] == [level, verdict] and row.endswith("as expected"), row
    assert f"HTML digest of every scenario: {root / 'digest.html'}" in text
    page = (root / "digest.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "hot-checkout-path: currency.convert" in page
    assert "<script" not in page


def test_one_scenario_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--output-dir", str(tmp_path), "--scenario", "docs-only"]) == 0
    out = capsys.readouterr().out
    assert "docs-only  " in out and "rare-function" not in out
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["docs-only.json", "docs-only.md"]
    assert main(["demo", "--output-dir", str(tmp_path)]) == 2  # never builds over an earlier run
    assert "shop exists already" in capsys.readouterr().err
    assert main(["demo", "--scenario", "nope"]) == 2
    assert "choose one of docs-only, rare-function" in capsys.readouterr().err


def test_without_the_example_it_says_where_to_get_it(tmp_path: Path) -> None:
    example = tmp_path / "examples" / "shop"
    with pytest.raises(InputError, match="a wheel install does not ship it"):
        demo.run(tmp_path / "out", io.StringIO(), example=example)
    shutil.copytree(demo.EXAMPLE / "scenarios", example / "scenarios")
    with pytest.raises(InputError, match="the shop example lacks shop, slos, snapshot"):
        demo.run(tmp_path / "out", io.StringIO(), example=example)
    assert not (tmp_path / "out").exists()


def test_the_command_it_prints_runs_as_printed(ran: tuple[Path, str], tmp_path: Path) -> None:
    root, text = ran
    (line,) = [line for line in text.splitlines() if line.startswith("Try one: ")]
    # PATH has no preflight: the command names this environment's preflight by its absolute path
    args = shlex.split(line.removeprefix("Try one: "))
    assert args[0] == hook.invocation(None) and Path(args[0]).is_absolute()
    assert args[2:4] == ["--repo", str(root / "shop")]
    done = subprocess.run(
        args, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=False
    )
    assert done.returncode in (0, 1), done.stderr  # 1: the scenario fails the demo's gate (71 > 70)
    assert "currency.convert" in done.stdout


def test_without_output_dir_nothing_is_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch, work = tmp_path / "scratch", tmp_path / "work"
    scratch.mkdir()
    work.mkdir()
    monkeypatch.chdir(work)
    out = io.StringIO()
    bin_dir = str(Path(hook.invocation(None)).parent) if "-m" not in hook.invocation(None) else ""
    search = f"{bin_dir}:/usr/bin:/bin" if bin_dir else "/usr/bin:/bin"
    assert demo.run(None, out, "docs-only", environ={"PATH": search}, scratch=scratch) == 0
    assert list(scratch.iterdir()) == [] and list(work.iterdir()) == []
    text = out.getvalue()
    assert "docs-only  " in text and "Try one" not in text and "scratch" not in text
    keep = f"{hook.invocation(search)} demo --output-dir {work / 'preflight-demo'} --scenario docs-only"
    assert text.endswith(
        "The repository and reports were built in a temporary directory, now removed. To keep them:\n"
        f"  {keep}\n"
    )
    if bin_dir:  # PATH finds this environment's preflight: the plain name is printed
        assert keep.startswith("preflight demo ")
    # the suggested command, as printed, keeps the run where it says
    done = subprocess.run(
        shlex.split(keep), cwd=work, env={"PATH": search}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (work / "preflight-demo" / "reports" / "docs-only.md").is_file()
    assert demo.free_dir(work) == work / "preflight-demo-2"  # the next suggestion is a free directory


def test_invocation_follows_the_search_path() -> None:
    printed = hook.invocation(None)
    if printed.endswith(" -m preflight"):  # no console script: this interpreter runs the module
        assert printed == f"{shlex.quote(sys.executable)} -m preflight"
        return
    script = Path(printed)
    assert script.is_absolute() and script.name == "preflight"
    assert hook.invocation("/usr/bin:/bin") == printed
    assert hook.invocation(f"/usr/bin:{script.parent}") == "preflight"

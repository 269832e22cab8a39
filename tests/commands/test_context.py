"""`preflight context PATH::QUALNAME`: what production does with one function, from a snapshot."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.commands import context
from preflight.errors import InputError
from tests.commands.test_collect import world  # noqa: F401 - the fixture
from tests.conftest import commit


def test_context_errors(world: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    repo, telemetry = world
    snap = tmp_path / "snap"
    assert main(["collect", str(telemetry / "traces.jsonl"), "--output", str(snap), "--repo", str(repo)]) == 0
    capsys.readouterr()
    assert main(["context", "checkout/pay.py", "--snapshot", str(snap), "--repo", str(repo)]) == 2
    assert "expected PATH::QUALNAME" in capsys.readouterr().err
    assert main(["context", "checkout/pay.py::charg", "--snapshot", str(snap), "--repo", str(repo)]) == 2
    assert "no function 'charg'" in capsys.readouterr().err
    assert main(["context", "checkout/pay.py::charge", "--snapshot", str(tmp_path), "--repo", str(repo)]) == 2
    assert "not a preflight snapshot" in capsys.readouterr().err


def test_locate_finds_a_function_by_local_or_module_qualified_name(git_repo: Path) -> None:
    commit(git_repo, {"shop/cart.py": "class Cart:\n    def add(self, item):\n        return item\n"})
    found = context.locate("shop/cart.py::Cart.add", git_repo)
    assert (found.path, found.qualname) == ("shop/cart.py", "shop.cart.Cart.add")
    assert found.new_lines is not None and (found.new_lines.start, found.new_lines.end) == (2, 3)
    assert context.locate("shop/cart.py::shop.cart.Cart.add", git_repo) == found


def test_locate_suggests_functions_with_the_same_last_name(git_repo: Path) -> None:
    commit(git_repo, {"shop/cart.py": "class Cart:\n    def add(self, item):\n        return item\n"})
    with pytest.raises(InputError, match=r"no function 'add'; did you mean Cart.add"):
        context.locate("shop/cart.py::add", git_repo)
    with pytest.raises(InputError, match="cannot read it"):
        context.locate("shop/missing.py::f", git_repo)


def test_run_text_names_the_function_and_the_snapshot(
    world: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, telemetry = world
    snap = tmp_path / "snap"
    assert main(["collect", str(telemetry / "traces.jsonl"), "--output", str(snap), "--repo", str(repo)]) == 0
    capsys.readouterr()
    out = io.StringIO()
    assert context.run("shop/cart.py::load_cart", snap, repo, "text", out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "shop.cart.load_cart  (shop/cart.py)"
    assert lines[-1].startswith(f"snapshot {snap}: window ")

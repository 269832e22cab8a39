"""The architecture check over preflight/ (issue 18, Measure): no import cycles, the stage order of
DESIGN.md (tests/architecture.py ALLOWED), no module over 500 lines, click only in cli, no logic in
__init__.py files.

Each check compares what it finds with a KNOWN list of the violations not yet fixed. A new violation
fails, and so does a KNOWN entry that is no longer a violation: the lists can only shrink.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.architecture import (
    ALLOWED,
    find_backward_imports,
    find_click_importers,
    find_cycles,
    find_init_logic,
    find_long_modules,
    import_graph,
    init_details,
    line_counts,
)

PACKAGE = Path(__file__).resolve().parent.parent / "preflight"

KNOWN_CYCLES: tuple[str, ...] = ()
KNOWN_BACKWARD_IMPORTS: tuple[str, ...] = ()
KNOWN_LONG_MODULES: tuple[str, ...] = ()
KNOWN_CLICK_IMPORTERS: tuple[str, ...] = ()
KNOWN_INIT_LOGIC: tuple[str, ...] = ()


def assert_only_known(found: Sequence[str], known: Sequence[str], detail: str = "") -> None:
    """No violation outside the KNOWN list, and no KNOWN entry that is no longer a violation."""
    assert len(set(known)) == len(known), "a KNOWN list names an entry twice"
    new = sorted(set(found) - set(known))
    assert not new, f"new violations (fix them; do not add them to KNOWN): {new}{detail}"
    fixed = sorted(set(known) - set(found))
    assert not fixed, f"fixed: remove these from the KNOWN list, it only shrinks: {fixed}"


def test_no_import_cycles() -> None:
    assert_only_known(find_cycles(PACKAGE), KNOWN_CYCLES)


def test_stage_order() -> None:
    assert_only_known(find_backward_imports(PACKAGE), KNOWN_BACKWARD_IMPORTS)


def test_no_module_over_500_lines() -> None:
    assert_only_known(find_long_modules(PACKAGE), KNOWN_LONG_MODULES, f"\n{line_counts(PACKAGE)}")


def test_click_only_in_cli() -> None:
    assert_only_known(find_click_importers(PACKAGE), KNOWN_CLICK_IMPORTERS)


def test_no_logic_in_init_files() -> None:
    assert_only_known(find_init_logic(PACKAGE), KNOWN_INIT_LOGIC, f"\n{init_details(PACKAGE)}")


def test_every_stage_is_in_the_table() -> None:
    """A new top-level module or package needs a row in ALLOWED (find_backward_imports reports it too)."""
    stages = {name.split(".")[1] if "." in name else name for name in import_graph(PACKAGE)}
    assert stages <= set(ALLOWED), sorted(stages - set(ALLOWED))
    assert all(allowed <= set(ALLOWED) for allowed in ALLOWED.values())


# The checker itself, on a small synthetic package with one violation of each kind.

SYNTHETIC: dict[str, str] = {
    "__init__.py": '"""A package."""\n\n__version__ = "1"\n__all__ = ["__version__"]\n',
    "errors.py": "class PreflightError(Exception):\n    pass\n",
    "models.py": "from preflight.errors import PreflightError\n",
    # a cycle hidden in a function and behind TYPE_CHECKING
    "changes/__init__.py": '"""Re-exports only."""\n\nfrom preflight.changes.diff import compute\n\n'
    "COMPUTE = compute\n",
    "changes/diff.py": "def compute():\n    from preflight.changes import parse\n",
    "changes/parse.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
    "    from preflight.changes.diff import compute\n",
    # a backward import: the gate (stage 6) imports the report (stage 7), relatively
    "gate.py": "from .report import render\n",
    "report/__init__.py": "",
    "report/render.py": "from preflight.models import x\n",
    # click outside cli
    "sinks/__init__.py": '"""Sinks."""\n\n\ndef publish():\n    return 1\n',
    "sinks/github.py": "import click.testing\n",
    "cli.py": "import click\n",
    # 501 lines
    "pipeline.py": "x = 1\n" * 501,
    "demo.py": "from preflight import cli\n",
}


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    """The SYNTHETIC package written to tmp_path/preflight."""
    package = tmp_path / "preflight"
    for name, text in SYNTHETIC.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    return package


def test_checker_reports_a_cycle(synthetic: Path) -> None:
    assert find_cycles(synthetic) == ["cycle: preflight.changes.diff <-> preflight.changes.parse"]


def test_checker_reports_a_backward_import_and_an_unknown_stage(synthetic: Path) -> None:
    assert find_backward_imports(synthetic) == [
        "import: preflight.gate -> preflight.report.render",
        "import: preflight.models -> preflight.errors",
        "stage: preflight.demo",
    ]


def test_checker_reports_a_long_module(synthetic: Path) -> None:
    assert find_long_modules(synthetic) == ["size: preflight/pipeline.py"]
    assert line_counts(synthetic) == {"preflight/pipeline.py": 501}
    assert find_long_modules(synthetic, limit=501) == []


def test_checker_reports_click_outside_cli(synthetic: Path) -> None:
    assert find_click_importers(synthetic) == ["click: preflight.sinks.github"]


def test_checker_reports_logic_in_init(synthetic: Path) -> None:
    assert find_init_logic(synthetic) == ["init: preflight/sinks/__init__.py"]
    assert init_details(synthetic) == {"preflight/sinks/__init__.py": ["def publish (line 4)"]}


@pytest.mark.parametrize(
    ("check", "known"),
    [
        (
            find_cycles,
            (
                "cycle: preflight.changes.diff <-> preflight.changes.parse",
                "cycle: preflight.a <-> preflight.b",
            ),
        ),
        (find_long_modules, ("size: preflight/pipeline.py", "size: preflight/cli.py")),
    ],
)
def test_known_lists_only_shrink(
    synthetic: Path, check: Callable[[Path], list[str]], known: tuple[str, ...]
) -> None:
    """A KNOWN entry that is no longer a violation fails, as does a violation missing from KNOWN."""
    found = check(synthetic)
    with pytest.raises(AssertionError, match="fixed: remove these"):
        assert_only_known(found, known)
    with pytest.raises(AssertionError, match="new violations"):
        assert_only_known(found, ())

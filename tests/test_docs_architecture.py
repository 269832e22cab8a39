"""docs/architecture.md stays true: every module it names exists (issue 18 Build 6)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
PATHS = re.compile(r"(?<![\w./-])(?:preflight|tests)/[\w/.-]*[\w/]")
DOTTED = re.compile(r"(?<![\w./-])preflight(?:\.[A-Za-z_]\w*)+")


def named_paths(text: str) -> list[str]:
    """Every preflight/... or tests/... path the text names."""
    return sorted(set(PATHS.findall(text)))


def named_modules(text: str) -> list[str]:
    """Every preflight.x.y dotted name the text names (a module, or a name inside one)."""
    return sorted(set(DOTTED.findall(text)))


def exists(dotted: str) -> bool:
    """A module or package, or a name in one: preflight.pipeline.check counts as preflight.pipeline."""
    parts = dotted.split(".")
    while len(parts) > 1:
        base = ROOT.joinpath(*parts)
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return True
        parts.pop()
    return False


def test_every_path_named_exists() -> None:
    paths = named_paths(DOC.read_text(encoding="utf-8"))
    assert len(paths) > 30  # the walk names the modules on the way
    assert [p for p in paths if not (ROOT / p).exists()] == []


def test_every_module_named_exists() -> None:
    assert [m for m in named_modules(DOC.read_text(encoding="utf-8")) if not exists(m)] == []


def test_the_check_catches_a_missing_module() -> None:
    text = "`preflight/pipeline.py` then `preflight/nowhere.py` and preflight.gate.decide, preflight.nowhere"
    assert [p for p in named_paths(text) if not (ROOT / p).exists()] == ["preflight/nowhere.py"]
    assert [m for m in named_modules(text) if not exists(m)] == ["preflight.nowhere"]

from __future__ import annotations

from pathlib import Path

from preflight.history.cosmetic import cosmetic_commits, is_cosmetic
from preflight.history.features import is_production_python
from tests.history.conftest import commit_at

CODE = "def area(w, h):\n    return w * h\n\n\ndef half(x):\n    return x / 2\n"


def test_what_is_cosmetic() -> None:
    formatted = 'def area(w, h):\n    """Area."""\n    return (w *\n            h)  # so\n\n\ndef half(x):\n    return x / 2\n'
    assert is_cosmetic({"a.py": CODE}, {"a.py": formatted}, {})
    assert is_cosmetic({"a.py": CODE}, {"a.py": "# geometry\n" + CODE}, {})  # comments only
    moved = {"a.py": "def area(w, h):\n    return w * h\n", "b.py": "def half(x):\n    return x / 2\n"}
    assert is_cosmetic({"a.py": CODE}, moved, {})  # a function moved to another module
    assert not is_cosmetic({"a.py": CODE}, {"a.py": CODE.replace("x / 2", "x // 2")}, {})
    assert not is_cosmetic({"a.py": CODE}, {"a.py": "import os\n" + CODE}, {})
    assert not is_cosmetic({"a.py": CODE}, {"a.py": CODE.replace("half", "halve")}, {})  # callers break


def test_production_python() -> None:
    assert is_production_python("pkg/mod.py")
    assert not is_production_python("tests/test_mod.py")
    assert not is_production_python("pkg/_vendor/six.py")
    assert not is_production_python("README.md")


def test_cosmetic_commits(git_repo: Path) -> None:
    commit_at(git_repo, {"geo.py": CODE}, "start")
    moved = commit_at(
        git_repo, {"geo.py": "def area(w, h):\n    return w * h\n", "half.py": CODE[35:]}, "move"
    )
    changed = commit_at(git_repo, {"half.py": CODE[35:].replace("2", "3")}, "change")
    docs = commit_at(git_repo, {"README.md": "x\n", "tests/test_geo.py": "assert 1\n"}, "docs and tests")
    assert cosmetic_commits(git_repo, [moved, changed, docs]) == {moved}

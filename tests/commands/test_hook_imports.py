"""The pre-push hook's import budget: a real `git push` through the installed hook imports nothing heavy.

Python reports every import of the hook's process when PYTHONPROFILEIMPORTTIME is set (as
`-X importtime`); git passes the hook's stderr through, so the test reads which top-level modules
the push loaded without touching the hook.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from preflight.cli import main
from tests.commands.test_hook import ROOT, push, pushed  # noqa: F401 - the fixture
from tests.conftest import commit

DENIED = frozenset(
    {"numpy", "pandas", "pyarrow", "scipy", "git", "gitdb", "networkx", "jinja2", "requests", "urllib3"}
)
"""What a warm push must not import: the data stack, gitpython, the propagation graph library (no
simulation runs here), the HTML templates and the HTTP client (the hook posts nothing)."""
SNAPSHOT_DENIED = frozenset({"pandas", "pyarrow", "scipy", "git", "gitdb", "jinja2", "requests", "urllib3"})
"""With a snapshot: its prepared form is read, never its tables; numpy and networkx are allowed
because a change with traffic is simulated over the service graph."""


def imported_by_push(repo: Path) -> set[str]:
    """The top-level modules the hook's process imported during one real push (hook installed)."""
    done = push(repo, "-q", "origin", "HEAD:main", PYTHONPROFILEIMPORTTIME="1")
    assert done.returncode in (0, 1), done.stderr[-2000:]
    found = {
        m.group(1).split(".")[0] for m in re.finditer(r"import time:.*\|\s+([\w.]+)\s*$", done.stderr, re.M)
    }
    assert "preflight" in found, "the hook ran preflight"
    return found


def test_a_warm_push_imports_nothing_heavy(pushed: Path) -> None:  # noqa: F811
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    imported_by_push(pushed)  # cold: fills the caches
    commit(pushed, {"app/core.py": "def f():\n    return 3\n\n\ndef g():\n    return f()\n"})
    assert imported_by_push(pushed) & DENIED == set()


def test_a_push_with_a_snapshot_reads_its_prepared_form_without_pandas(pushed: Path) -> None:  # noqa: F811
    shutil.copytree(ROOT / "examples" / "shop" / "snapshot", pushed / "snapshot")
    commit(pushed, {".preflight.yml": "runtime:\n  snapshot: snapshot\n"}, "snapshot")
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    assert imported_by_push(pushed) & SNAPSHOT_DENIED == set()

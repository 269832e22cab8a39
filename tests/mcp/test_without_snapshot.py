"""The server in a repository without runtime data: the tools that need a snapshot say how to get
one; assess_change still checks the change statically, as `check` does; nothing is written."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import commit, git
from tests.mcp.conftest import serve, text

CART = (
    "def add(cart, item):\n    return [*cart, item]\n\n\ndef checkout(cart):\n    return add(cart, 'fee')\n"
)


def test_without_a_snapshot_the_runtime_tools_say_how_to_get_one(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"shop/__init__.py": "", "shop/cart.py": CART})
    (git_repo / "shop/cart.py").write_text(CART.replace("'fee'", "'fees'"), encoding="utf-8")
    (git_repo / "shop/new.py").write_text("def fresh():\n    return 1\n", encoding="utf-8")
    index = (git_repo / ".git" / "index").read_bytes()
    os.utime(git_repo / "shop/__init__.py", (1, 1))  # a stat change `git diff` would write back

    served = serve(
        git_repo,
        [
            ("get_function_context", {"function": "shop/cart.py::add"}),
            ("list_hot_functions", {}),
            ("simulate_fault", {"target": "cart", "error_rate": 0.1}),
            ("assess_change", {}),
        ],
        errlog=tmp_path / "stderr.txt",
    )

    for result in served.results[:3]:
        assert result.isError
        assert "no runtime snapshot: start the server with one (`preflight mcp --snapshot DIR`)" in text(
            result
        )
        assert "`preflight collect`" in text(result)
    assessed = served.results[3]
    assert not assessed.isError, text(assessed)
    found = assessed.structuredContent
    assert found is not None
    assert [f["qualname"] for f in found["functions"]] == ["shop.cart.checkout", "shop.new.fresh"]
    assert found["snapshot"] is None and found["base"]["source"] == "default-branch"
    assert "No runtime data was given: traffic, latency and SLOs are unknown" in found["summary"]
    # read-only: no file written, nothing staged, not even the index's stat data refreshed
    assert (git_repo / ".git" / "index").read_bytes() == index
    assert git(git_repo, "status", "--porcelain", "--untracked-files=all") == "M shop/cart.py\n?? shop/new.py"


def test_a_directory_that_is_no_repository_is_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.mcp.conftest import environment

    done = subprocess.run(
        [sys.executable, "-m", "preflight", "mcp", "--repo", str(tmp_path)],
        capture_output=True,
        text=True,
        env=environment(),
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "not a git repository; run preflight inside a checkout or pass --repo" in done.stderr
    assert done.stdout == ""  # the protocol's channel carries nothing but the protocol

"""Matching runtime functions to repository definitions."""

from __future__ import annotations

import cProfile
import datetime
import runpy
from pathlib import Path

from preflight.models import PathMapping
from preflight.repository import Repository
from preflight.runtime import collect
from preflight.runtime.identity import (
    CodeDefinition,
    CodeIndex,
    index_repository,
    outside,
    repo_path,
    resolve,
)
from tests.conftest import commit

CART = """import functools


class Cart:
    @functools.cache
    @staticmethod
    def add(sku):
        return sku

    def total(self):
        def inner():
            return 1
        return inner()
"""


def index(git_repo: Path) -> CodeIndex:
    sha = commit(
        git_repo,
        {
            "src/shop/cart.py": CART,
            "lib/shop/cart.py": "def other():\n    pass\n",
            "tools/run.py": "def main():\n    pass\n",
        },
    )
    with Repository(git_repo) as repo:
        return index_repository(repo, sha)


def test_index_holds_every_definition_with_spans(git_repo: Path) -> None:
    idx = index(git_repo)
    assert idx.by_qualname["shop.cart.Cart.add"] == CodeDefinition(
        "src/shop/cart.py", "shop.cart.Cart.add", 5, 8
    )
    assert idx.by_qualname["shop.cart.Cart.total.inner"].start == 11


def test_by_qualname_and_deployed_module_prefix(git_repo: Path) -> None:
    idx = index(git_repo)
    assert resolve(idx, "shop.cart.Cart.total", None, None).how == "qualname"  # type: ignore[union-attr]
    found = resolve(idx, "app.shop.cart.Cart.total", None, None)
    assert found is not None and (found.qualname, found.how) == ("shop.cart.Cart.total", "qualname-suffix")


def test_profiler_line_of_decorator_resolves_to_the_function(git_repo: Path) -> None:
    idx = index(git_repo)
    for line in (5, 6, 7):  # first decorator, second decorator, def
        found = resolve(idx, None, "/app/src/shop/cart.py", line)
        assert found is not None and found.qualname == "shop.cart.Cart.add", line


def test_innermost_definition_wins(git_repo: Path) -> None:
    found = resolve(index(git_repo), None, "/srv/src/shop/cart.py", 12)
    assert found is not None and found.qualname == "shop.cart.Cart.total.inner"


def test_longest_unique_suffix_and_ambiguity(git_repo: Path) -> None:
    idx = index(git_repo)
    assert repo_path(idx, "/usr/lib/python3.11/site-packages/tools/run.py", ()) == (
        "tools/run.py",
        "path-suffix",
    )
    # shop/cart.py exists under src/ and lib/: only a longer suffix decides
    assert repo_path(idx, "/deploy/shop/cart.py", ()) == (None, "ambiguous")
    assert repo_path(idx, "/deploy/lib/shop/cart.py", ()) == ("lib/shop/cart.py", "path-suffix")


def test_paths_map_comes_first(git_repo: Path) -> None:
    idx = index(git_repo)
    mapping = (PathMapping("/app/", "src/"),)
    assert repo_path(idx, "/app/shop/cart.py", mapping) == ("src/shop/cart.py", "path-map")
    found = resolve(idx, None, "/app/shop/cart.py", 10, mapping)
    assert found is not None and (found.qualname, found.how) == ("shop.cart.Cart.total", "path-map+line")


def test_unknown_stays_unresolved(git_repo: Path) -> None:
    idx = index(git_repo)
    assert resolve(idx, "other.module.fn", "/x/y.py", 3) is None
    assert resolve(idx, None, None, None) is None
    assert resolve(idx, None, "/app/src/shop/cart.py", 1) is None  # an import line, not in a function


def test_outside_the_repository_by_the_shape_of_the_path() -> None:
    for library in (
        "/root/.pyenv/versions/3.11.7/lib/python3.11/json/decoder.py",
        "/usr/lib/python3/dist-packages/yaml/reader.py",
        "/app/.venv/lib/python3.13t/site-packages/flask/app.py",
        "C:\\Python311\\Lib\\site-packages\\flask\\app.py",
        "/opt/pypy/lib/pypy3.10/os.py",
    ):
        assert outside(library), library
    assert not outside("/srv/shop/shop/cart.py")
    assert not outside("shop/cart.py")
    mapping = (PathMapping("/srv/shop/", ""),)
    assert not outside("/srv/shop/shop/cart.py", mapping)
    assert outside("/opt/vendor/tool.py", mapping)  # paths.map says where the repository runs
    assert not outside("shop/cart.py", mapping)  # a relative path is under no prefix: it may still be ours


def test_resolution_rate_counts_only_what_could_be_the_repositorys(git_repo: Path, tmp_path: Path) -> None:
    sha = commit(
        git_repo,
        {"shop/cart.py": "import json\n\n\ndef total(items):\n    return json.dumps(sorted(items))\n"},
    )
    total = runpy.run_path(str(git_repo / "shop" / "cart.py"))["total"]
    profiler = cProfile.Profile()
    profiler.runcall(total, [3, 1, 2])  # the repository's function and the standard library's json
    profiler.dump_stats(tmp_path / "cart.pstats")
    with Repository(git_repo) as repo:
        code = index_repository(repo, sha)
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    options = collect.CollectOptions(service="cart", window_seconds=1.0)
    meta = collect.collect([tmp_path / "cart.pstats"], tmp_path / "snap", options, code, now)
    resolution = meta["resolution"]
    assert resolution["outside"] >= 2  # json.dumps, JSONEncoder.encode, ...
    assert resolution["functions"] == resolution["outside"] + 1
    assert (resolution["resolved"], resolution["rate"], resolution["unresolved"]) == (1, 1.0, [])

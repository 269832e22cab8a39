"""Which files are tests and which do not run in production: the default globs and the matcher.

Config (paths.non_production) and the history model (the `test_files` feature) both classify
paths; this is the one list and the one matcher they share.
"""

from __future__ import annotations

import fnmatch
import functools
import re

TEST_GLOBS = ("test_*.py", "*_test.py", "conftest.py", "tests/*", "*/tests/*", "test/*", "*/test/*")
"""Test files (the history model's `test_files` feature counts these; fitted coefficients assume them)."""
NON_PRODUCTION = (
    # test directories anywhere but `test/` only at the root: a nested `test` package is as often
    # shipped code (django/test/) as tests, whose files test_*.py still catches
    *(g for g in TEST_GLOBS if g != "*/test/*"),
    "docs/*",
    "doc/*",
    "examples/*",
    "example/*",
    "bench/*",
    "benchmark/*",
    "benchmarks/*",
    "scripts/*",
    "/setup.py",
    "/noxfile.py",
)
"""Files that do not run in production by default. The packaging scripts only at the root (a
`homeassistant/setup.py` is the product). Not `tools/` (often shipped code) nor `tasks.py` (a
celery app's tasks module as often as an invoke file): a repository adds them in paths.non_production."""


def matches(path: str, globs: tuple[str, ...]) -> bool:
    """True when path matches one of globs: a glob without "/" matches the file name, one with
    "/" the whole path ("*" also crosses directories, so `tests/*` is everything under tests/),
    and a leading "/" anchors a glob at the root (`/setup.py` is the root file only)."""
    names, paths = _compiled(globs)
    return bool(
        (names is not None and names.match(path.rsplit("/", 1)[-1]))
        or (paths is not None and paths.match(path))
    )


@functools.lru_cache(maxsize=32)
def _compiled(globs: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """One regular expression for the name globs and one for the path globs (fnmatchcase's
    rules): the history pass and the code index ask this for every file."""

    def join(selected: list[str]) -> re.Pattern[str] | None:
        return re.compile("|".join(fnmatch.translate(g) for g in selected)) if selected else None

    return join([g for g in globs if "/" not in g]), join([g.removeprefix("/") for g in globs if "/" in g])

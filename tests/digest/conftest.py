"""The release digest built once per module: its pipeline runs take a few seconds."""

from __future__ import annotations

import pytest

from preflight.digest import Digest
from tests.conftest import git
from tests.digest import release


@pytest.fixture(scope="module")
def shop_digest(tmp_path_factory: pytest.TempPathFactory) -> Digest:
    """The digest of release.build's history with its snapshot (services, edges, SLOs)."""
    root = tmp_path_factory.mktemp("shop")
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    built = release.build(repo)
    return release.digest(built, release.snapshot(repo, root))

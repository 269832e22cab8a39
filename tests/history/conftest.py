"""Helpers for history tests: commits with chosen authors and dates."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.conftest import GIT_ENV

DAY = 86400
EPOCH = 1_700_000_000


def commit_at(
    repo: Path,
    files: Mapping[str, str | None],
    message: str,
    day: float = 0,
    author: str = "alice",
) -> str:
    """Write files (None deletes), commit them as author@example.com on day N, return the sha."""
    for name, content in files.items():
        path = repo / name
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    stamp = f"@{int(EPOCH + day * DAY)} +0000"
    env = {
        **GIT_ENV,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": f"{author}@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    run = {"cwd": repo, "env": env, "capture_output": True, "text": True, "check": True}
    subprocess.run(["git", "add", "-A"], **run)  # type: ignore[call-overload]
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message], **run)  # type: ignore[call-overload]
    done = subprocess.run(["git", "rev-parse", "HEAD"], **run)  # type: ignore[call-overload]
    return str(done.stdout.strip())

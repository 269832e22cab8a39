"""Build one git repository per package, one commit (tagged with the version) per release.

The commits come from the packages' sdists on PyPI, downloaded with pip, so the
benchmark runs on real release-to-release changes and is reproducible: the
versions are pinned below.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path


def _versions(spaced: str) -> tuple[str, ...]:
    return tuple(spaced.split())


# Consecutive releases (sdists) of pure-Python, Python-3-only packages, oldest first.
PACKAGES: dict[str, tuple[str, ...]] = {
    "click": _versions("8.0.0 8.0.1 8.0.2 8.0.3 8.0.4 8.1.0 8.1.1 8.1.2 8.1.3 8.1.4 8.1.5 8.1.6 8.1.7 8.1.8"),
    "requests": _versions(
        "2.28.0 2.28.1 2.28.2 2.29.0 2.30.0 2.31.0 2.32.2 2.32.3 2.32.4 2.32.5 2.33.0 2.33.1 2.34.0 2.34.1"
    ),
    "httpx": _versions(
        "0.23.0 0.23.1 0.23.2 0.23.3 0.24.0 0.24.1 0.25.0 0.25.1 0.25.2 0.26.0 0.27.0 0.27.1 0.27.2 0.28.0"
    ),
    "rich": _versions(
        "13.5.0 13.5.1 13.5.2 13.5.3 13.6.0 13.7.0 13.7.1 13.8.0 13.8.1 13.9.0 13.9.1 13.9.2 13.9.3 13.9.4"
    ),
    "flask": _versions("2.2.0 2.2.1 2.2.2 2.2.3 2.2.4 2.2.5 2.3.0 2.3.1 2.3.2 2.3.3 3.0.0 3.0.1 3.0.2 3.0.3"),
}

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in repo and return its stdout (text)."""
    full_env = {**os.environ, **_GIT_ENV, **(env or {})}
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=full_env
    )
    return done.stdout


def download_sdist(name: str, version: str, dest: Path) -> Path:
    """The sdist archive of name==version, downloaded into dest once."""
    dest.mkdir(parents=True, exist_ok=True)
    prefixes = {name.lower(), name.lower().replace("-", "_")}
    for archive in dest.iterdir():
        stem = archive.name.lower()
        if any(stem.startswith(f"{p}-{version}.") for p in prefixes):
            return archive
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--quiet",
            "--disable-pip-version-check",
            f"{name}=={version}",
            "-d",
            str(dest),
        ],
        check=True,
    )
    return download_sdist(name, version, dest)


def _unpack(archive: Path, into: Path) -> Path:
    """Unpack an sdist and return its single top-level directory."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(into)
    else:
        with tarfile.open(archive) as tf:
            if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12
                tf.extractall(into, filter="data")
            else:
                tf.extractall(into)
    tops = [p for p in into.iterdir()]
    if len(tops) != 1 or not tops[0].is_dir():
        raise RuntimeError(f"{archive}: expected one top-level directory, got {tops}")
    return tops[0]


def _replace_tree(repo: Path, source: Path) -> None:
    """Make the work tree of repo exactly the contents of source."""
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    for child in source.iterdir():
        shutil.move(str(child), repo / child.name)


def build_repo(name: str, versions: tuple[str, ...], cache: Path) -> Path:
    """The git repository of name's releases under cache (built on first use)."""
    repo = cache / "repos" / name
    done_marker = repo / ".git" / "bench-versions"
    wanted = "\n".join(versions)
    if done_marker.exists() and done_marker.read_text() == wanted:
        return repo
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    for index, version in enumerate(versions):
        archive = download_sdist(name, version, cache / "sdists" / name)
        with tempfile.TemporaryDirectory() as tmp:
            _replace_tree(repo, _unpack(archive, Path(tmp)))
        git(repo, "add", "--all", "--force", ".")
        date = f"{1_700_000_000 + index * 86_400} +0000"
        git(
            repo,
            "commit",
            "--quiet",
            "--allow-empty",
            "--no-verify",
            "-m",
            f"{name} {version}",
            env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date},
        )
        git(repo, "tag", version)
    done_marker.write_text(wanted)
    return repo


def main() -> None:
    """Build all repositories: python -m bench.repos [CACHE]."""
    cache = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/.cache")
    for name, versions in PACKAGES.items():
        print(name, build_repo(name, versions, cache), flush=True)


if __name__ == "__main__":
    main()

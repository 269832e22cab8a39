"""Features and SZZ labels of the cross-project backtest's histories, cached on disk.

Each project is cloned from its local mirror (bench.backtest.clone), its features extracted
(preflight.history.features) and its commits labelled by SZZ (preflight.history.szz) exactly as
`preflight backtest` does; both are cached in bench/.cache/history/ under a key made of the
clone's HEAD and the source of the modules that compute them, so a change to the features or
the labels recomputes them and nothing else does.

    python -m bench.backtest_data click,flask    # fill the cache, print what it holds
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bench.backtest import CACHE, DEVELOPMENT, HELD_OUT, clone
from preflight.history import features, szz
from preflight.history.backtest import TRAIN_SHARE

__all__ = ["DEVELOPMENT", "HELD_OUT", "Project", "load"]

_FEATURE_SOURCES = ("features.py", "code.py", "log.py", "fixes.py")
_LABEL_SOURCES = ("szz.py", "fixes.py", "cosmetic.py", "features.py")

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Project:
    """One project's non-merge commits (oldest first), their features and SZZ labels."""

    name: str
    shas: tuple[str, ...]
    values: Array
    """One row of raw feature values (features.FEATURES) per commit."""
    inducing: Array
    """1.0 for the commits SZZ labels bug-inducing with every fix known today."""
    known: Array
    """1.0 for the commits SZZ labels bug-inducing with the fixes of the oldest TRAIN_SHARE only."""
    feature_seconds: float
    label_seconds: float

    @property
    def cut(self) -> int:
        """The first commit of the evaluation period (the newest 1 - TRAIN_SHARE)."""
        return int(len(self.shas) * TRAIN_SHARE)

    @property
    def eligible(self) -> NDArray[np.bool_]:
        """Commits that add production lines: the only ones scored and learnt from."""
        return self.values[:, features.FEATURES.index("prod_lines_added")] > 0

    def training(self) -> tuple[Array, Array]:
        """(features, labels known then) of the training period's eligible commits."""
        keep = self.eligible[: self.cut]
        return self.values[: self.cut][keep], self.known[: self.cut][keep]

    def evaluation(self) -> tuple[Array, Array]:
        """(features, labels known today) of the evaluation period's eligible commits."""
        keep = self.eligible[self.cut :]
        return self.values[self.cut :][keep], self.inducing[self.cut :][keep]


def _key(repo: Path, sources: tuple[str, ...]) -> str:
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest = hashlib.sha256(head.encode())
    folder = Path(features.__file__).parent
    for name in sources:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


def load(name: str) -> Project:
    """The project's data, from the cache when its key matches, else computed and cached."""
    repo = clone(name, {**DEVELOPMENT, **HELD_OUT}[name])
    feature_file = CACHE / f"{name}.features.{_key(repo, _FEATURE_SOURCES)}.npz"
    label_file = CACHE / f"{name}.labels.{_key(repo, _LABEL_SOURCES)}.json"
    if feature_file.exists():
        stored = np.load(feature_file)
        shas = tuple(str(s) for s in stored["shas"])
        values, feature_seconds = stored["values"], float(stored["seconds"])
        if tuple(str(f) for f in stored["features"]) != features.FEATURES:
            raise RuntimeError(f"{feature_file}: other features; delete it")
        commits = None
    else:
        history = features.extract(repo)
        commits = history.commits
        shas = tuple(c.sha for c in commits)
        values = np.array([c.values for c in commits], dtype=np.float64)
        feature_seconds = history.seconds
        np.savez(
            feature_file,
            shas=np.array(shas),
            values=values,
            seconds=feature_seconds,
            features=np.array(features.FEATURES),
        )
    if label_file.exists():
        document = json.loads(label_file.read_text(encoding="utf-8"))
    else:
        if commits is None:
            commits = features.extract(repo).commits
        started = time.perf_counter()
        links = szz.label(repo, commits)
        document = {"links": links.links, "fixes": links.fixes, "seconds": time.perf_counter() - started}
        label_file.write_text(json.dumps(document), encoding="utf-8")
    links_found = [tuple(pair) for pair in document["links"]]
    cut = int(len(shas) * TRAIN_SHARE)
    early = set(shas[:cut])
    everything = {bug for bug, _ in links_found}
    known_then = {bug for bug, fix in links_found if fix in early}
    return Project(
        name,
        shas,
        values,
        np.array([sha in everything for sha in shas], dtype=np.float64),
        np.array([sha in known_then for sha in shas], dtype=np.float64),
        feature_seconds,
        float(document["seconds"]),
    )


def main() -> int:
    for name in sys.argv[1].split(","):
        started = time.perf_counter()
        project = load(name)
        _, train_y = project.training()
        _, test_y = project.evaluation()
        print(
            f"{name}: {len(project.shas)} commits, {int(project.eligible.sum())} add production lines; "
            f"training {len(train_y)} ({int(train_y.sum())} bug-inducing known then), evaluation "
            f"{len(test_y)} ({int(test_y.sum())}); {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`.preflight.yml`: load and validate (the sections' tables are in schema.py); every default lives here
(the default globs in preflight/globs.py, which the history model shares).

Unknown keys and wrong types are refused with the file and line, before any work.
Sections this version does not implement yet are refused by name, so nobody
believes a setting took effect when it did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from preflight import yamlnodes
from preflight.config import schema
from preflight.errors import InputError
from preflight.globs import NON_PRODUCTION, matches
from preflight.models import CallSettings, Gate, PathMapping

CONFIG_FILE = ".preflight.yml"
NOT_YET = {
    "slos": "SLO files in the config (pass them to `preflight collect`)",
}


@dataclass(frozen=True, slots=True)
class Config:
    """Settings from `.preflight.yml`; the defaults are what no file means."""

    source: str | None = None
    """Where the settings came from (`<rev>:.preflight.yml`, a path), or None for defaults."""
    snapshot: str | None = None
    """runtime.snapshot: the snapshot directory `check` uses when --snapshot is not given."""
    path_map: tuple[PathMapping, ...] = ()
    """paths.map: deployed prefix -> repository prefix, tried before longest-suffix matching."""
    entry_points: tuple[tuple[str, str], ...] = ()
    """entry_points: extra (decorator, kind) patterns, e.g. ("myfw.route", "http")."""
    calls: tuple[tuple[str, str, CallSettings], ...] = ()
    """services.<caller>.calls.<callee>: declared dependencies and per-call settings."""
    utilization: tuple[tuple[str, float], ...] = ()
    """services.<name>.utilization: CPU utilization (0-1) for queueing when CPU cost rises."""
    gate: Gate = field(default_factory=Gate)
    """gate: the policy that turns the score into a decision."""
    production: tuple[str, ...] = ()
    """paths.production: globs of files that are production even when non_production matches them."""
    non_production: tuple[str, ...] = NON_PRODUCTION
    """NON_PRODUCTION plus paths.non_production: files whose functions are never entry points,
    callers, reach paths or sources of inferred traffic, and whose changes score as test changes."""

    def is_production(self, path: str) -> bool:
        """True unless path is non-production (production globs win)."""
        return matches(path, self.production) or not matches(path, self.non_production)


def parse(text: str, source: str) -> Config:
    """Validate YAML text; errors name source:line and say what is allowed."""
    try:
        root = yamlnodes.compose(text, source)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(f"{source}{line}: not valid YAML ({getattr(e, 'problem', e)})") from e
    if root is None:
        return Config(source=source)
    if not isinstance(root, yaml.MappingNode):
        raise InputError(f"{source}:{schema.line(root)}: {_not_a_mapping(root, text)}")
    values: dict[str, Any] = {}
    for key, value in schema.mapping(root, source, "the top level"):
        name = schema.key(key, source)
        section = schema.SECTIONS.get(name)
        if section is not None:
            values.update(section(value, source))
        elif name in NOT_YET:
            raise InputError(
                f"{source}:{schema.line(key)}: `{name}` ({NOT_YET[name]}) is not supported by this version of "
                "preflight; remove it"
            )
        else:
            raise InputError(
                f"{source}:{schema.line(key)}: unknown section `{name}`; allowed: {', '.join(schema.SECTIONS)}"
            )
    extra = values.pop("non_production", ())
    return Config(source=source, non_production=NON_PRODUCTION + extra, **values)


def _not_a_mapping(root: yaml.Node, text: str) -> str:
    """What the top level is instead of a mapping; a symbolic link committed to git reads as its
    target path (one line, no newline), and the config is read from git, not the work tree."""
    if isinstance(root, yaml.ScalarNode) and root.tag == "tag:yaml.org,2002:str" and "\n" not in text:
        return (
            f"the file looks like a symbolic link to {root.value!r}: git stores a link as its target "
            "path, and preflight reads the config from the base revision's git tree, not the work "
            "tree; commit the file itself, not a link"
        )
    kind = {yaml.SequenceNode: "a list", yaml.ScalarNode: f"the value {str(root.value)[:40]!r}"}
    return f"the top level must be a mapping of keys to values, not {kind.get(type(root), 'that')}"


def load_file(path: Path) -> Config:
    """Read a config file given with --config."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read config ({e.strerror}); check the --config path") from e
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: config is not UTF-8 text") from e
    return parse(text, str(path))


class Tree(Protocol):
    """What from_revision reads from a revision (a `preflight.repository.Repository` is one)."""

    def file_at(self, revision: str | None, path: str) -> bytes | None:
        """The blob at path in revision; None when there is none."""

    def mode_at(self, revision: str | None, path: str) -> str | None:
        """The git file mode at path in revision (100644, 120000, ...); None when absent."""


def from_revision(tree: Tree, revision: str | None) -> Config:
    """The config as it is at a revision (the base: a change cannot loosen its own checks)."""
    mode = tree.mode_at(revision, CONFIG_FILE)
    readable = mode in (None, "100644", "100755", "120000")  # a file or a link's target, not a tree
    return from_blob(tree.file_at(revision, CONFIG_FILE) if readable else None, mode, revision)


def from_blob(data: bytes | None, mode: str | None, revision: str | None) -> Config:
    """The config from the bytes and git file mode of `.preflight.yml` at a revision (None: no file)."""
    source = f"{(revision or '')[:12]}:{CONFIG_FILE}"
    if mode is not None and mode not in ("100644", "100755"):
        what = {"120000": "a symbolic link", "040000": "a directory", "160000": "a submodule"}.get(mode, mode)
        if mode == "120000":  # a link's blob is its target's path
            what += f" to {(data or b'').decode('utf-8', 'replace')!r}"
        raise InputError(
            f"{source} is {what}, not a file: commit the file itself (preflight reads the base "
            "revision's file and never follows a link from the repository)"
        )
    if data is None:
        return Config()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{source}: config is not UTF-8 text") from e
    return parse(text, source)

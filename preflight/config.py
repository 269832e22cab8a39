"""`.preflight.yml`: load and validate; every default lives here.

Unknown keys and wrong types are refused with the file and line, before any work.
Sections this version does not implement yet are refused by name, so nobody
believes a setting took effect when it did not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from preflight.errors import InputError
from preflight.repository import Repository

CONFIG_FILE = ".preflight.yml"
NOT_YET = {
    "services": "service path globs",
    "slos": "SLO files in the config (pass them to `preflight collect`)",
    "gate": "gate policy (use --fail-above)",
}


@dataclass(frozen=True, slots=True)
class PathMapping:
    """A deployed path prefix and the repository path prefix it stands for."""

    deployed: str
    repo: str


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


def parse(text: str, source: str) -> Config:
    """Validate YAML text; errors name source:line and say what is allowed."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(f"{source}{line}: not valid YAML ({getattr(e, 'problem', e)})") from e
    if root is None:
        return Config(source=source)
    sections = _mapping(root, source, "the top level")
    snapshot = None
    path_map: tuple[PathMapping, ...] = ()
    entry_points: tuple[tuple[str, str], ...] = ()
    for key, value in sections:
        name = _key(key, source)
        if name == "runtime":
            snapshot = _runtime(value, source)
        elif name == "paths":
            path_map = _paths(value, source)
        elif name == "entry_points":
            entry_points = _entry_points(value, source)
        elif name in NOT_YET:
            raise InputError(
                f"{source}:{_line(key)}: `{name}` ({NOT_YET[name]}) is not supported by this version of "
                "preflight; remove it"
            )
        else:
            raise InputError(
                f"{source}:{_line(key)}: unknown section `{name}`; allowed: runtime, paths, entry_points"
            )
    return Config(source=source, snapshot=snapshot, path_map=path_map, entry_points=entry_points)


def load_file(path: Path) -> Config:
    """Read a config file given with --config."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read config ({e.strerror}); check the --config path") from e
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: config is not UTF-8 text") from e
    return parse(text, str(path))


def from_revision(repo: Repository, revision: str | None) -> Config:
    """The config as it is at a revision (the base: a change cannot loosen its own checks)."""
    data = repo.file_at(revision, CONFIG_FILE)
    if data is None:
        return Config()
    source = f"{(revision or '')[:12]}:{CONFIG_FILE}"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{source}: config is not UTF-8 text") from e
    return parse(text, source)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _key(node: yaml.Node, source: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise InputError(f"{source}:{_line(node)}: keys must be plain names")
    return str(node.value)


def _mapping(node: yaml.Node, source: str, where: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"{source}:{_line(node)}: {where} must be a mapping of keys to values")
    return list(node.value)


def _string(node: yaml.Node, source: str, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str" or not node.value:
        raise InputError(f"{source}:{_line(node)}: {where} must be a non-empty string")
    return str(node.value)


def _runtime(node: yaml.Node, source: str) -> str | None:
    snapshot = None
    for key, value in _mapping(node, source, "`runtime`"):
        name = _key(key, source)
        if name != "snapshot":
            raise InputError(f"{source}:{_line(key)}: unknown key `runtime.{name}`; allowed: snapshot")
        snapshot = _string(value, source, "`runtime.snapshot`")
    return snapshot


ENTRY_KINDS = ("http", "task", "grpc", "cli", "main", "custom")


def _entry_points(node: yaml.Node, source: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(f"{source}:{_line(node)}: `entry_points` must be a list of {{decorator, kind}}")
    patterns = []
    for item in node.value:
        fields = {_key(k, source): v for k, v in _mapping(item, source, "an entry point pattern")}
        unknown = sorted(set(fields) - {"decorator", "kind"})
        if unknown or "decorator" not in fields:
            raise InputError(
                f"{source}:{_line(item)}: an entry point pattern has `decorator` and optional `kind`"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            )
        kind = _string(fields["kind"], source, "`kind`") if "kind" in fields else "custom"
        if kind not in ENTRY_KINDS:
            raise InputError(
                f"{source}:{_line(fields['kind'])}: kind {kind!r} is not one of {', '.join(ENTRY_KINDS)}"
            )
        patterns.append((_string(fields["decorator"], source, "`decorator`"), kind))
    return tuple(patterns)


def _paths(node: yaml.Node, source: str) -> tuple[PathMapping, ...]:
    mappings: list[PathMapping] = []
    for key, value in _mapping(node, source, "`paths`"):
        name = _key(key, source)
        if name != "map":
            raise InputError(f"{source}:{_line(key)}: unknown key `paths.{name}`; allowed: map")
        for deployed, repo in _mapping(value, source, "`paths.map` (deployed prefix: repository prefix)"):
            mappings.append(
                PathMapping(
                    _string(deployed, source, "a deployed path prefix"),
                    repo.value
                    if isinstance(repo, yaml.ScalarNode) and repo.value == ""
                    else _string(repo, source, "a repository path prefix"),
                )
            )
    return tuple(mappings)

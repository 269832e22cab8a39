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
    "slos": "SLO files in the config (pass them to `preflight collect`)",
    "gate": "gate policy (use --fail-above)",
}


@dataclass(frozen=True, slots=True)
class PathMapping:
    """A deployed path prefix and the repository path prefix it stands for."""

    deployed: str
    repo: str


@dataclass(frozen=True, slots=True)
class CallSettings:
    """services.<caller>.calls.<callee>: how one service calls another; None keeps what telemetry says."""

    per_request: float | None = None
    """calls_per_request: declares the dependency when telemetry does not show it."""
    mode: str | None = None
    """sequential (default) or parallel fan-out."""
    timeout_ms: float | None = None
    retries: int | None = None
    fallback: bool | None = None
    """The caller degrades gracefully when this call fails (an optional call)."""


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
    calls: tuple[tuple[str, str, CallSettings], ...] = ()
    utilization: tuple[tuple[str, float], ...] = ()
    for key, value in sections:
        name = _key(key, source)
        if name == "runtime":
            snapshot = _runtime(value, source)
        elif name == "paths":
            path_map = _paths(value, source)
        elif name == "entry_points":
            entry_points = _entry_points(value, source)
        elif name == "services":
            calls, utilization = _services(value, source)
        elif name in NOT_YET:
            raise InputError(
                f"{source}:{_line(key)}: `{name}` ({NOT_YET[name]}) is not supported by this version of "
                "preflight; remove it"
            )
        else:
            raise InputError(
                f"{source}:{_line(key)}: unknown section `{name}`; allowed: runtime, paths, entry_points, services"
            )
    return Config(
        source=source,
        snapshot=snapshot,
        path_map=path_map,
        entry_points=entry_points,
        calls=calls,
        utilization=utilization,
    )


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


CALL_KEYS = ("calls_per_request", "mode", "timeout_ms", "retries", "fallback")


def _services(
    node: yaml.Node, source: str
) -> tuple[tuple[tuple[str, str, CallSettings], ...], tuple[tuple[str, float], ...]]:
    """services: {name: {utilization: 0.4, calls: {callee: {timeout_ms: 800, retries: 2, ...}}}}."""
    calls: list[tuple[str, str, CallSettings]] = []
    utilization: list[tuple[str, float]] = []
    for name_node, body in _mapping(node, source, "`services`"):
        service = _key(name_node, source)
        for key, value in _mapping(body, source, f"`services.{service}`"):
            field_name = _key(key, source)
            where = f"`services.{service}.{field_name}`"
            if field_name == "utilization":
                share = _number(value, source, where)
                if not 0 <= share < 1:
                    raise InputError(f"{source}:{_line(value)}: {where} is a share of CPU from 0 to below 1")
                utilization.append((service, share))
            elif field_name == "calls":
                for callee_node, settings in _mapping(value, source, where):
                    callee = _key(callee_node, source)
                    calls.append((service, callee, _call(settings, source, f"{where[:-1]}.{callee}`")))
            else:
                raise InputError(f"{source}:{_line(key)}: unknown key {where}; allowed: utilization, calls")
    return tuple(calls), tuple(utilization)


def _call(node: yaml.Node, source: str, where: str) -> CallSettings:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return CallSettings()  # `callee:` alone declares the dependency
    values: dict[str, object] = {}
    for key, value in _mapping(node, source, where):
        name = _key(key, source)
        here = f"{where[:-1]}.{name}`"
        if name in ("calls_per_request", "timeout_ms"):
            values[name] = _number(value, source, here)
        elif name == "retries":
            count = _number(value, source, here)
            if count != int(count):
                raise InputError(f"{source}:{_line(value)}: {here} must be a whole number")
            values[name] = int(count)
        elif name == "mode":
            mode = _string(value, source, here)
            if mode not in ("sequential", "parallel"):
                raise InputError(f"{source}:{_line(value)}: {here} is sequential or parallel, not {mode!r}")
            values[name] = mode
        elif name == "fallback":
            if not isinstance(value, yaml.ScalarNode) or value.tag != "tag:yaml.org,2002:bool":
                raise InputError(f"{source}:{_line(value)}: {here} must be true or false")
            values[name] = value.value.lower() in ("true", "yes", "on")
        else:
            raise InputError(f"{source}:{_line(key)}: unknown key {here}; allowed: {', '.join(CALL_KEYS)}")
    return CallSettings(
        per_request=values.get("calls_per_request"),  # type: ignore[arg-type]
        mode=values.get("mode"),  # type: ignore[arg-type]
        timeout_ms=values.get("timeout_ms"),  # type: ignore[arg-type]
        retries=values.get("retries"),  # type: ignore[arg-type]
        fallback=values.get("fallback"),  # type: ignore[arg-type]
    )


def _number(node: yaml.Node, source: str, where: str) -> float:
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
    ):
        raise InputError(f"{source}:{_line(node)}: {where} must be a number")
    value = float(node.value)
    if value < 0:
        raise InputError(f"{source}:{_line(node)}: {where} must not be negative")
    return value

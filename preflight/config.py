"""`.preflight.yml`: load and validate; every default lives here.

Unknown keys and wrong types are refused with the file and line, before any work.
Sections this version does not implement yet are refused by name, so nobody
believes a setting took effect when it did not.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

from preflight import yamlnodes
from preflight.errors import InputError
from preflight.models import CallSettings, Gate, GateRule, PathMapping

CONFIG_FILE = ".preflight.yml"
NOT_YET = {
    "slos": "SLO files in the config (pass them to `preflight collect`)",
}

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
        raise InputError(f"{source}:{_line(root)}: {_not_a_mapping(root, text)}")
    sections = _mapping(root, source, "the top level")
    snapshot = None
    path_map: tuple[PathMapping, ...] = ()
    production: tuple[str, ...] = ()
    non_production: tuple[str, ...] = ()
    entry_points: tuple[tuple[str, str], ...] = ()
    calls: tuple[tuple[str, str, CallSettings], ...] = ()
    utilization: tuple[tuple[str, float], ...] = ()
    gate = Gate()
    for key, value in sections:
        name = _key(key, source)
        if name == "runtime":
            snapshot = _runtime(value, source)
        elif name == "paths":
            path_map, production, non_production = _paths(value, source)
        elif name == "entry_points":
            entry_points = _entry_points(value, source)
        elif name == "services":
            calls, utilization = _services(value, source)
        elif name == "gate":
            gate = _gate(value, source)
        elif name in NOT_YET:
            raise InputError(
                f"{source}:{_line(key)}: `{name}` ({NOT_YET[name]}) is not supported by this version of "
                "preflight; remove it"
            )
        else:
            raise InputError(
                f"{source}:{_line(key)}: unknown section `{name}`; allowed: runtime, paths, entry_points, "
                "services, gate"
            )
    return Config(
        source=source,
        snapshot=snapshot,
        path_map=path_map,
        entry_points=entry_points,
        calls=calls,
        utilization=utilization,
        gate=gate,
        production=production,
        non_production=NON_PRODUCTION + non_production,
    )


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


def _paths(node: yaml.Node, source: str) -> tuple[tuple[PathMapping, ...], tuple[str, ...], tuple[str, ...]]:
    """paths: {map: {deployed: repo}, production: [globs], non_production: [globs]}."""
    mappings: list[PathMapping] = []
    globs: dict[str, tuple[str, ...]] = {"production": (), "non_production": ()}
    for key, value in _mapping(node, source, "`paths`"):
        name = _key(key, source)
        if name in globs:
            globs[name] = _globs(value, source, f"`paths.{name}`")
            continue
        if name != "map":
            raise InputError(
                f"{source}:{_line(key)}: unknown key `paths.{name}`; allowed: map, production, non_production"
            )
        for deployed, repo in _mapping(value, source, "`paths.map` (deployed prefix: repository prefix)"):
            mappings.append(
                PathMapping(
                    _string(deployed, source, "a deployed path prefix"),
                    repo.value
                    if isinstance(repo, yaml.ScalarNode) and repo.value == ""
                    else _string(repo, source, "a repository path prefix"),
                )
            )
    return tuple(mappings), globs["production"], globs["non_production"]


def _globs(node: yaml.Node, source: str, where: str) -> tuple[str, ...]:
    """A list of path globs; `dir/` is shorthand for everything under dir (`dir/*`)."""
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(f"{source}:{_line(node)}: {where} must be a list of path globs")
    found = (_string(item, source, f"an entry of {where}") for item in node.value)
    return tuple(glob + "*" if glob.endswith("/") else glob for glob in found)


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
            values[name] = _bool(value, source, here)
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
    try:
        value = yamlnodes.decimal(node)
    except ValueError as e:
        raise InputError(f"{source}:{_line(node)}: {where}: {e}") from e
    if value < 0:
        raise InputError(f"{source}:{_line(node)}: {where} must not be negative")
    return value


GATE_KEYS = (
    "mode",
    "warn_above",
    "fail_above",
    "missing_runtime",
    "unparsed",
    "budget_tightening",
    "rules",
    "override_label",
    "override_trailer",
    "override_approvers",
)
CHOICES = {
    "mode": ("advisory", "blocking"),
    "missing_runtime": ("open", "closed"),
    "unparsed": ("closed", "open"),
}


def _gate(node: yaml.Node, source: str) -> Gate:
    """gate: {mode, warn_above, fail_above, missing_runtime, budget_tightening, rules, override_*}."""
    values: dict[str, object] = {}
    for key, value in _mapping(node, source, "`gate`"):
        name = _key(key, source)
        where = f"`gate.{name}`"
        if name in CHOICES:
            choice = _string(value, source, where)
            if choice not in CHOICES[name]:
                raise InputError(
                    f"{source}:{_line(value)}: {where} is {' or '.join(CHOICES[name])}, not {choice!r}"
                )
            values[name] = choice
        elif name in ("warn_above", "fail_above"):
            values[name] = _score(value, source, where)
        elif name == "budget_tightening":
            values[name] = _bool(value, source, where)
        elif name == "override_label":
            values[name] = _string(value, source, where)
        elif name == "override_trailer":
            values[name] = None if _null(value) else _string(value, source, where)
        elif name == "override_approvers":
            values[name] = _emails(value, source, where)
        elif name == "rules":
            values[name] = _rules(value, source)
        else:
            raise InputError(f"{source}:{_line(key)}: unknown key {where}; allowed: {', '.join(GATE_KEYS)}")
    # One threshold alone moves the other's default out of its way (`fail_above: 30` alone
    # warns from 30 too), so a valid setting is never refused for a default the user did not write.
    if "fail_above" in values and "warn_above" not in values:
        values["warn_above"] = min(Gate().warn_above, values["fail_above"])  # type: ignore[call-overload]
    if "warn_above" in values and "fail_above" not in values:
        values["fail_above"] = max(Gate().fail_above, values["warn_above"])  # type: ignore[call-overload]
    gate = Gate(**values)  # type: ignore[arg-type]
    if gate.override_trailer is not None and not gate.override_approvers:
        raise InputError(
            f"{source}: `gate.override_trailer` needs `gate.override_approvers`, the committer emails "
            "whose commits may carry it (otherwise a pull request's author could approve it); or use "
            "the `gate.override_label` a maintainer sets"
        )
    if gate.warn_above > gate.fail_above:
        raise InputError(
            f"{source}: `gate.warn_above` ({gate.warn_above}) is above `gate.fail_above` ({gate.fail_above})"
        )
    return gate


def _null(node: yaml.Node) -> bool:
    """A YAML null (`~`, `null`, nothing): turns a setting off."""
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _emails(node: yaml.Node, source: str, where: str) -> tuple[str, ...]:
    """A non-empty list of email addresses, compared case-insensitively."""
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise InputError(f"{source}:{_line(node)}: {where} must be a non-empty list of committer emails")
    found = []
    for item in node.value:
        email = _string(item, source, f"an entry of {where}").strip().lower()
        if "@" not in email:
            raise InputError(f"{source}:{_line(item)}: {where}: {email!r} is not an email address")
        found.append(email)
    return tuple(found)


def _rules(node: yaml.Node, source: str) -> tuple[GateRule, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(
            f"{source}:{_line(node)}: `gate.rules` must be a list of {{paths or services, thresholds}}"
        )
    rules = []
    for item in node.value:
        fields: dict[str, object] = {}
        for key, value in _mapping(item, source, "a gate rule"):
            name = _key(key, source)
            if name in ("paths", "services"):
                if not isinstance(value, yaml.SequenceNode) or not value.value:
                    raise InputError(
                        f"{source}:{_line(value)}: `{name}` of a gate rule must be a non-empty list"
                    )
                fields[name] = tuple(_string(v, source, f"an entry of `{name}`") for v in value.value)
            elif name in ("warn_above", "fail_above"):
                fields[name] = _score(value, source, f"`{name}` of a gate rule")
            else:
                raise InputError(
                    f"{source}:{_line(key)}: unknown key `{name}` in a gate rule; "
                    "allowed: paths, services, warn_above, fail_above"
                )
        if not fields.get("paths") and not fields.get("services"):
            raise InputError(f"{source}:{_line(item)}: a gate rule needs `paths` or `services` to match")
        rules.append(GateRule(**fields))  # type: ignore[arg-type]
    return tuple(rules)


def _score(node: yaml.Node, source: str, where: str) -> int:
    value = _number(node, source, where)
    if value != int(value) or value > 100:
        raise InputError(f"{source}:{_line(node)}: {where} must be a whole score from 0 to 100")
    return int(value)


def _bool(node: yaml.Node, source: str, where: str) -> bool:
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:bool":
        raise InputError(f"{source}:{_line(node)}: {where} must be true or false")
    try:
        return yamlnodes.boolean(node)
    except ValueError as e:
        raise InputError(f"{source}:{_line(node)}: {where}: {e}") from e
